package pipeline

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// failingTail builds 12 repositories: the first six plain, the next four
// on a host whose VCS cannot be named (the policy decides they are not
// sent), and the last two failing to read.
func failingTail(t *testing.T, unnamed, failing []int) *rig {
	t.Helper()
	ds := semgreptest.GenerateDataset(5, 12, 1200, time.Now())
	for _, i := range unnamed {
		ds.Projects[i].URL = strings.Replace(ds.Projects[i].URL, "github.com", "git.unnamed.example", 1)
	}
	r := newRigDS(t, ds, wiztest.Options{}, nil)
	for _, i := range failing {
		r.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Status: 400, Query: url.Values{"repos": {ds.Projects[i].Name}}})
	}
	return r
}

func repoStates(res *Result) map[string]string {
	out := map[string]string{}
	for _, s := range res.Repositories {
		out[s.Name] = s.State
	}
	return out
}

// The fetchers decide "every repository failed" from what they read
// themselves; the writer never changes what they count. Run with -race:
// the writer used to mark repositories out of scope while the fetchers
// counted them.
func TestStreamingSyncWithTheLastRepositoriesFailingIsRaceFree(t *testing.T) {
	for range 3 {
		r := failingTail(t, []int{6, 7, 8, 9}, []int{10, 11})
		o := r.options()
		o.Collect.Concurrency = 3
		res, err := Run(context.Background(), o)
		if err != nil && res.Status != StatusPartial {
			t.Fatalf("status %s err %v", res.Status, err)
		}
		if res.Status != StatusPartial {
			t.Fatalf("status %s, want partial (two repositories failed)", res.Status)
		}
		st := repoStates(res)
		for i, want := range map[int]string{0: "sent", 5: "sent", 6: "not_in_scope", 9: "not_in_scope", 10: "failed", 11: "failed"} {
			if got := st[r.ds.Projects[i].Name]; got != want {
				t.Errorf("%s: %s, want %s", r.ds.Projects[i].Name, got, want)
			}
		}
	}
}

// When the only repositories read cannot be sent (their VCS is unknown)
// and every other one failed, nothing in scope was read: the run fails,
// whatever order the repositories arrive in.
func TestEveryRepositoryInScopeFailingDoesNotDependOnTiming(t *testing.T) {
	for range 3 {
		r := failingTail(t, []int{0, 1}, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
		o := r.options()
		o.Collect.Concurrency = 4
		res, err := Run(context.Background(), o)
		if err == nil || res.Status != StatusFailure || !strings.Contains(err.Error(), "every repository in scope") {
			t.Fatalf("status %s err %v, want the run's failure", res.Status, err)
		}
		if r.wz.SlotsRequested() != 0 {
			t.Fatal("a run in which nothing could be read asked Wiz for an upload slot")
		}
	}
}
