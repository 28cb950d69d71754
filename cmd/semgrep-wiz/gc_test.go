package main

import (
	"runtime/debug"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

// The soft memory limit follows the repositories read at once, a user's
// GOMEMLIMIT or GOGC wins, and the settings come back afterwards.
func TestStreamingGCIsSizedToTheWork(t *testing.T) {
	if streamingMemoryLimit(workSync, 16) <= streamingMemoryLimit(workSync, 8) || streamingMemoryLimit(workSync, 0) != streamingMemoryLimit(workSync, pipeline.DefaultConcurrency) {
		t.Error("the limit does not follow the concurrency")
	}
	// The targets are for the whole process, which takes about 20 MiB
	// besides the heap: 200 MB for a sync, 150 MB for a preview.
	if l := streamingMemoryLimit(workSync, pipeline.DefaultConcurrency); l > 170<<20 {
		t.Errorf("the default sync limit is %d MiB, too near the 200 MB target", l>>20)
	}
	if l := streamingMemoryLimit(workPreview, pipeline.DefaultConcurrency); l > 120<<20 || l >= streamingMemoryLimit(workSync, pipeline.DefaultConcurrency) {
		t.Errorf("the default preview limit is %d MiB: too near the 150 MB target, or not below a sync's", l>>20)
	}
	before := debug.SetMemoryLimit(-1)
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		restore := streamingGC(env{getenv: func(k string) string {
			if k == v {
				return "100"
			}
			return ""
		}}, workSync, 8)
		if got := debug.SetMemoryLimit(-1); got != before {
			t.Errorf("with %s set the limit became %d", v, got)
		}
		restore()
	}
	restore := streamingGC(env{getenv: func(string) string { return "" }}, workPreview, 8)
	if got := debug.SetMemoryLimit(-1); got != streamingMemoryLimit(workPreview, 8) {
		t.Errorf("limit %d, want %d", got, streamingMemoryLimit(workPreview, 8))
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("the limit was not restored: %d", got)
	}
}
