package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNoUI guards DESIGN's boundary: no package under core/
// (core/app included) may depend on the terminal app or on the Bubble Tea
// family. It lives here, outside core, so core names no UI package at all.
func TestCoreImportsNoUI(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}", "../../core/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/semgrep-wiz/semgrep-wiz/ui") || strings.HasPrefix(p, "charm.land/") {
			t.Errorf("core depends on %s", p)
		}
	}
}
