package app

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNoUI guards the boundary this layer exists for: no
// package under core/, this one included, may depend on the terminal app
// or on the Bubble Tea family.
func TestCoreImportsNoUI(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/semgrep-wiz/semgrep-wiz/ui") || strings.HasPrefix(p, "charm.land/") {
			t.Errorf("core depends on %s", p)
		}
	}
}
