package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%06d", prefix, i)
	}
	return out
}

// deliveredUpload records a run and a delivered upload carrying dss.
func deliveredUpload(t *testing.T, l *Ledger, runID string, dss ...string) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := l.GetRun(ctx, runID); errors.Is(err, ErrNotFound) {
		startRun(t, l, runID)
	}
	return addUpload(t, l, Upload{RunID: runID, DataSources: dss, Delivered: true, Status: "SUCCESS"})
}

func held(t *testing.T, l *Ledger, ds string) []string {
	t.Helper()
	got, err := l.Held(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCommitSentReplacesOnlyGivenSources(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	if got := held(t, l, "never"); got == nil || len(got) != 0 {
		t.Fatalf("Held(unknown) = %#v, want empty", got)
	}
	scan := time.Date(2025, 3, 14, 11, 0, 0, 0, time.UTC)
	a := DataSource{ID: "semgrep:github.com/acme/a", RepoName: "acme/a", RepoURL: "https://github.com/acme/a", Deployment: "acme", Branch: "main", LastScanAt: scan}
	b := DataSource{ID: "semgrep:github.com/acme/b", RepoName: "acme/b", FromFile: true}
	c := DataSource{ID: "semgrep:github.com/acme/c", RepoName: "acme/c"}

	up1 := deliveredUpload(t, l, "r1", a.ID, b.ID)
	aIDs := []string{"f3", "f1", "f2", "f1"} // unsorted, with a duplicate
	callerCopy := slices.Clone(aIDs)
	if err := l.CommitSent(ctx, up1, []SentSet{{Source: a, FindingIDs: aIDs}, {Source: b, FindingIDs: ids("b", 700)}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(aIDs, callerCopy) {
		t.Fatal("CommitSent modified the caller's slice")
	}
	if got := held(t, l, a.ID); !slices.Equal(got, []string{"f1", "f2", "f3"}) {
		t.Fatalf("Held(a) = %v", got)
	}
	if got := held(t, l, b.ID); !slices.Equal(got, ids("b", 700)) {
		t.Fatalf("Held(b) has %d ids, want 700 in order", len(got))
	}

	// Second commit: a shrinks to empty (Wiz resolved everything), c is
	// new, b is not in the commit and must stay exactly as it was.
	up2 := deliveredUpload(t, l, "r2", a.ID, c.ID)
	a2 := a
	a2.Branch, a2.LastScanAt = "trunk", scan.Add(time.Hour)
	before := time.Now()
	if err := l.CommitSent(ctx, up2, []SentSet{{Source: a2}, {Source: c, FindingIDs: ids("c", 1025)}}); err != nil {
		t.Fatal(err)
	}

	check := func(l *Ledger) {
		t.Helper()
		if got := held(t, l, a.ID); len(got) != 0 {
			t.Fatalf("Held(a) after empty commit = %v", got)
		}
		if got := held(t, l, b.ID); !slices.Equal(got, ids("b", 700)) {
			t.Fatalf("untouched source b changed: %d ids", len(got))
		}
		if got := held(t, l, c.ID); !slices.Equal(got, ids("c", 1025)) {
			t.Fatalf("Held(c) has %d ids, want 1025", len(got))
		}
		dss, err := l.DataSources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(dss) != 3 || dss[0].ID != a.ID || dss[1].ID != b.ID || dss[2].ID != c.ID {
			t.Fatalf("DataSources = %+v", dss)
		}
		ga, gb, gc := dss[0], dss[1], dss[2]
		if ga.Count != 0 || ga.Branch != "trunk" || !ga.LastScanAt.Equal(scan.Add(time.Hour)) || ga.LastRunID != "r2" ||
			ga.LastSentAt.Before(before.Add(-time.Second)) || ga.RepoURL != a.RepoURL || ga.Deployment != "acme" {
			t.Errorf("a = %+v", ga)
		}
		if gb.Count != 700 || !gb.FromFile || gb.LastRunID != "r1" || gb.RepoName != "acme/b" {
			t.Errorf("b = %+v", gb)
		}
		if gc.Count != 1025 || gc.LastRunID != "r2" {
			t.Errorf("c = %+v", gc)
		}
		ups, _ := l.Uploads(ctx, "r2")
		if len(ups) != 1 || !ups[0].Committed {
			t.Errorf("upload of r2 not marked committed: %+v", ups)
		}
	}
	check(l)
	l.Close()
	l2, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	check(l2)
}

func TestCommitSentRejectsBadInput(t *testing.T) {
	l, _ := openTest(t)
	ctx := context.Background()
	up := deliveredUpload(t, l, "r1", "a")
	if err := l.CommitSent(ctx, up, []SentSet{{Source: DataSource{ID: "a"}, FindingIDs: []string{"x"}}}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		upload int64
		sets   []SentSet
	}{
		"unknown upload":  {9999, []SentSet{{Source: DataSource{ID: "a"}}}},
		"empty source id": {up, []SentSet{{Source: DataSource{}}}},
		"source twice":    {up, []SentSet{{Source: DataSource{ID: "a"}}, {Source: DataSource{ID: "a"}}}},
		"empty finding":   {up, []SentSet{{Source: DataSource{ID: "a"}, FindingIDs: []string{"y", ""}}}},
		"control char":    {up, []SentSet{{Source: DataSource{ID: "a"}, FindingIDs: []string{"y\x1fz"}}}},
	} {
		err := l.CommitSent(ctx, c.upload, c.sets)
		if err == nil {
			t.Errorf("%s: CommitSent succeeded", name)
		}
		if name == "unknown upload" && !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
		if got := held(t, l, "a"); !slices.Equal(got, []string{"x"}) {
			t.Fatalf("%s: held set changed to %v", name, got)
		}
	}
}

// A failure after the old set was deleted (a Wiz-side surprise, a full
// disk, a cancelled context) must leave every old set intact.
func TestCommitSentIsAtomic(t *testing.T) {
	for _, mode := range []string{"error", "cancel"} {
		t.Run(mode, func(t *testing.T) {
			l, _ := openTest(t)
			ctx := context.Background()
			up := deliveredUpload(t, l, "r1", "a", "b")
			old := []SentSet{{Source: DataSource{ID: "a", RepoName: "old"}, FindingIDs: ids("a", 600)}, {Source: DataSource{ID: "b"}, FindingIDs: ids("b", 3)}}
			if err := l.CommitSent(ctx, up, old); err != nil {
				t.Fatal(err)
			}
			up2 := deliveredUpload(t, l, "r2", "a", "b")

			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			boom := errors.New("injected failure")
			testHookAfterDelete = func(ds string) error {
				if ds != "b" { // fail on the second source, after a was rewritten
					return nil
				}
				if mode == "cancel" {
					cancel()
					return nil
				}
				return boom
			}
			defer func() { testHookAfterDelete = nil }()
			err := l.CommitSent(cctx, up2, []SentSet{{Source: DataSource{ID: "a", RepoName: "new"}, FindingIDs: ids("new", 10)}, {Source: DataSource{ID: "b"}, FindingIDs: ids("nb", 5)}})
			if err == nil {
				t.Fatal("CommitSent succeeded despite the failure")
			}
			if mode == "error" && !errors.Is(err, boom) {
				t.Fatalf("err = %v, want the injected failure", err)
			}
			if mode == "cancel" && !errors.Is(err, context.Canceled) && cctx.Err() == nil {
				t.Fatalf("err = %v", err)
			}
			testHookAfterDelete = nil
			if got := held(t, l, "a"); !slices.Equal(got, ids("a", 600)) {
				t.Fatalf("Held(a) = %d ids, want the old 600", len(got))
			}
			if got := held(t, l, "b"); !slices.Equal(got, ids("b", 3)) {
				t.Fatalf("Held(b) = %v, want the old set", got)
			}
			dss, _ := l.DataSources(ctx)
			if dss[0].RepoName != "old" || dss[0].Count != 600 || dss[0].LastRunID != "r1" {
				t.Fatalf("data source a changed: %+v", dss[0])
			}
			if ups, _ := l.Uploads(ctx, "r2"); ups[0].Committed {
				t.Fatal("the failed upload is marked committed")
			}
		})
	}
}

// Readers (other connections of this Ledger and another Ledger on the same
// file) keep working while a large commit runs, and see either the old set
// or the new one, never a mix.
func TestConcurrentReadersDuringCommit(t *testing.T) {
	l, dir := openTest(t)
	ctx := context.Background()
	other, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	oldIDs, newIDs := ids("old", 5000), ids("new", 15000)
	up := deliveredUpload(t, l, "r1", "big")
	if err := l.CommitSent(ctx, up, []SentSet{{Source: DataSource{ID: "big"}, FindingIDs: oldIDs}}); err != nil {
		t.Fatal(err)
	}
	up2 := deliveredUpload(t, l, "r2", "big")

	started := make(chan struct{})
	var once sync.Once
	testHookAfterDelete = func(string) error {
		once.Do(func() { close(started) })
		time.Sleep(50 * time.Millisecond) // keep the write transaction open while readers read
		return nil
	}
	defer func() { testHookAfterDelete = nil }()
	done := make(chan error, 1)
	go func() {
		done <- l.CommitSent(ctx, up2, []SentSet{{Source: DataSource{ID: "big"}, FindingIDs: newIDs}, {Source: DataSource{ID: "s2"}, FindingIDs: ids("s2", 10000)}})
	}()
	<-started

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	stop := make(chan struct{})
	for i, r := range []*Ledger{l, l, other, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					if n == 0 {
						errs <- fmt.Errorf("reader %d never read", i)
					}
					return
				default:
				}
				got, err := r.Held(ctx, "big")
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", i, err)
					return
				}
				if !slices.Equal(got, oldIDs) && !slices.Equal(got, newIDs) {
					errs <- fmt.Errorf("reader %d saw %d ids: neither the old nor the new set", i, len(got))
					return
				}
				if _, err := r.DataSources(ctx); err != nil {
					errs <- fmt.Errorf("reader %d: %w", i, err)
					return
				}
				if _, err := r.Runs(ctx, 10); err != nil {
					errs <- fmt.Errorf("reader %d: %w", i, err)
					return
				}
			}
		}()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := held(t, other, "big"); !slices.Equal(got, newIDs) {
		t.Fatalf("after the commit another Ledger sees %d ids, want the new %d", len(got), len(newIDs))
	}
}
