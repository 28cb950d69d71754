package pipeline

import (
	"context"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/numfmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// Sources the guard held back while streaming (two with findings, one that
// left the selection) go into the upload whole once the user confirms, and
// the ledger then equals what Wiz holds.
func TestConfirmAddsEveryHeldSourceWhole(t *testing.T) {
	m := newMemRig(t)
	first := m.sync(t, m.opts())
	held := m.wz.DataSources()
	var big []RepoSummary
	for _, r := range first.Repositories {
		if r.State == "sent" && len(held[r.DataSourceID].Open) >= 40 {
			big = append(big, r)
		}
	}
	sort.Slice(big, func(i, j int) bool { return big[i].Sent > big[j].Sent })
	if len(big) < 3 {
		t.Fatalf("the demo data needs three repositories with 40+ findings; have %d", len(big))
	}
	for _, r := range big[:2] {
		dropFindings(t, m.sg, r.Name, func(i int, _ semgreptest.Finding) bool { return i%10 == 0 })
	}
	o := m.opts()
	o.Collect.Policy.ExcludeRepos = []string{big[2].Name} // leaves: sent empty, held too
	var heldBack bool
	o.Confirm = func(p *Plan) bool {
		heldBack = p.MassResolveHeld
		return true
	}
	res := m.sync(t, o)
	if !heldBack {
		t.Fatal("the plan did not say the guard held sources back")
	}
	if res.Status != StatusSuccess {
		t.Fatalf("status %s", res.Status)
	}
	sent := lastUploadIDs(t, m.wz)
	now := m.wz.DataSources()
	for _, r := range big[:3] {
		ids, in := sent[r.DataSourceID]
		if !in {
			t.Fatalf("%s was not added to the upload", r.Name)
		}
		if len(ids) != len(now[r.DataSourceID].Open) || len(now[r.DataSourceID].Resolved) == 0 {
			t.Errorf("%s: uploaded %d, Wiz holds %d open, %d resolved", r.Name, len(ids), len(now[r.DataSourceID].Open), len(now[r.DataSourceID].Resolved))
		}
		got, err := m.l.Held(context.Background(), r.DataSourceID)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(now[r.DataSourceID].Open)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the ledger holds %d ids, Wiz %d", r.Name, len(got), len(want))
		}
	}
	if len(sent[big[2].DataSourceID]) != 0 {
		t.Errorf("the source that left was sent with findings")
	}
}

// A streaming sync holds the findings of no more repositories at once than
// its fetchers and their hand-over hold, plus the one being written.
func TestStreamingHoldsFewRepositoriesAtOnce(t *testing.T) {
	r := newRigDS(t, semgreptest.GenerateDataset(3, 60, 6000, time.Now()), wiztest.Options{}, nil)
	var (
		mu       sync.Mutex
		now, top int
	)
	testHookHolding = func(delta int) {
		mu.Lock()
		now += delta
		top = max(top, now)
		mu.Unlock()
	}
	t.Cleanup(func() { testHookHolding = nil })
	o := r.options()
	o.Collect.Concurrency = 3
	o.DryRun, o.Wiz = true, nil
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusDryRun {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	if res.Findings.Sent == 0 || len(res.Repositories) != 60 {
		t.Fatalf("sent %d findings of %d repositories", res.Findings.Sent, len(res.Repositories))
	}
	// The step's summary counts what was let go of.
	want := fmt.Sprintf("%s findings selected in 60 repositories, %s excluded", numfmt.Commas(res.Findings.Sent), numfmt.Commas(res.Findings.Excluded))
	var said string
	for _, e := range r.events {
		if e.Kind == StepFinished && e.Step == StepSelect {
			said = e.Message
		}
	}
	if said != want {
		t.Errorf("select step says %q, want %q", said, want)
	}
	if now != 0 {
		t.Errorf("%d repositories were never let go", now)
	}
	if limit := 2*o.Collect.Concurrency + 1; top > limit || top < 1 {
		t.Errorf("held %d repositories at once; at most %d expected", top, limit)
	}
}

// A Semgrep that pushes back (429 once more than two requests are in
// flight) slows the sync down; it does not fail repositories.
func TestSyncBacksOffWhenSemgrepPushesBack(t *testing.T) {
	// The latency keeps requests in flight long enough to overlap.
	r := newRigDS(t, semgreptest.GenerateDataset(4, 40, 4000, time.Now()), wiztest.Options{}, nil, semgreptest.WithLatency(20*time.Millisecond))
	r.sg.SetMaxInFlight(2, "")
	o := r.options()
	o.DryRun, o.Wiz = true, nil
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusDryRun {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	for _, rs := range res.Repositories {
		if rs.State == "failed" {
			t.Fatalf("%s failed: %s", rs.Name, rs.Reason)
		}
	}
	if r.sg.RateLimited() == 0 {
		t.Fatal("the stand-in never pushed back; the test proves nothing")
	}
	// Had the client kept 8 requests in flight against a limit of 2, most
	// answers would have been 429s: it slowed down. (Its recovery is
	// tested in core/semgrep.)
	if total := len(r.sg.Requests()); r.sg.RateLimited()*3 > total {
		t.Errorf("%d of %d requests were refused: the client did not slow down", r.sg.RateLimited(), total)
	}
}
