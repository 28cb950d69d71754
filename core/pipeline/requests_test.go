package pipeline

import (
	"context"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// TestOneScanSearchPerSync: the full scans of every repository come from
// one search across the deployment, and each repository still gets the
// verdict a per-repository search gave (some have no recent full scan).
func TestOneScanSearchPerSync(t *testing.T) {
	r := newRig(t, wiztest.Options{}, nil)
	o := r.options()
	o.DryRun = true
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%s: %v", res.Status, err)
	}
	counts := sgCounts(r.sg.Requests())
	if counts[semgreptest.OpScans] != 1 {
		t.Errorf("%d scan searches for %d repositories, want 1", counts[semgreptest.OpScans], len(res.Repositories))
	}
	inScope, noScan := 0, 0
	for _, rs := range res.Repositories {
		switch rs.State {
		case "not_in_scope":
			noScan++
		default:
			inScope++
		}
	}
	if inScope == 0 || noScan == 0 {
		t.Errorf("the demo data should have repositories with and without a recent full scan: %d in scope, %d not", inScope, noScan)
	}
	// Findings are read only for repositories in scope.
	if counts[semgreptest.OpFindings] < inScope {
		t.Errorf("%d findings requests for %d repositories in scope", counts[semgreptest.OpFindings], inScope)
	}
}
