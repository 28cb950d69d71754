package main

import (
	"runtime/debug"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

// The soft memory limit follows the repositories read at once, a user's
// GOMEMLIMIT or GOGC wins, and the settings come back afterwards.
func TestStreamingGCIsSizedToTheWork(t *testing.T) {
	if streamingMemoryLimit(16) <= streamingMemoryLimit(8) || streamingMemoryLimit(0) != streamingMemoryLimit(pipeline.DefaultConcurrency) {
		t.Error("the limit does not follow the concurrency")
	}
	if l := streamingMemoryLimit(pipeline.DefaultConcurrency); l > 200<<20 {
		t.Errorf("the default limit is %d MiB, above the 200 MB target", l>>20)
	}
	before := debug.SetMemoryLimit(-1)
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		restore := streamingGC(env{getenv: func(k string) string {
			if k == v {
				return "100"
			}
			return ""
		}}, 8)
		if got := debug.SetMemoryLimit(-1); got != before {
			t.Errorf("with %s set the limit became %d", v, got)
		}
		restore()
	}
	restore := streamingGC(env{getenv: func(string) string { return "" }}, 8)
	if got := debug.SetMemoryLimit(-1); got != streamingMemoryLimit(8) {
		t.Errorf("limit %d, want %d", got, streamingMemoryLimit(8))
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("the limit was not restored: %d", got)
	}
}
