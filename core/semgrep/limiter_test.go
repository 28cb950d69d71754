package semgrep

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
)

func TestLimiterDefaults(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, DefaultMaxConcurrency}, {1, 1}, {-1, 1}, {-50, 1}, {5, 5}} {
		if got := New(Options{MaxConcurrency: tc.in}).Limit(); got != tc.want {
			t.Errorf("MaxConcurrency %d: limit %d, want %d", tc.in, got, tc.want)
		}
	}
}

// take acquires n slots and returns their epochs.
func take(t *testing.T, l *limiter, n int) []uint64 {
	t.Helper()
	var es []uint64
	for range n {
		e, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	return es
}

func TestLimiterHalvesOncePerWindow(t *testing.T) {
	l := newLimiter(8)
	// Eight requests sent together all come back 429: one halving.
	for _, e := range take(t, l, 8) {
		l.release(e, verdictOverload, 0)
	}
	if l.current() != 4 {
		t.Fatalf("after a burst of 8 overloads: limit %d, want 4", l.current())
	}
	// Requests sent after a halving may halve again; never below 1.
	for _, want := range []int{2, 1, 1} {
		for _, e := range take(t, l, l.current()) {
			l.release(e, verdictOverload, 0)
		}
		if l.current() != want {
			t.Fatalf("limit %d, want %d", l.current(), want)
		}
	}
}

func TestLimiterRecovers(t *testing.T) {
	l := newLimiter(8)
	es := take(t, l, 8)
	l.release(es[0], verdictOverload, 0) // 8 → 4
	// Successes of requests sent before the halving say nothing about
	// the new limit.
	for _, e := range es[1:] {
		l.release(e, verdictOK, 0)
	}
	if l.current() != 4 {
		t.Fatalf("stale successes moved the limit to %d", l.current())
	}
	// Successes in a row raise it by one per max(limit, minRecoverStreak).
	steps := 0
	for l.current() < 8 {
		before := l.current()
		for i := range max(before, minRecoverStreak) {
			if l.current() != before {
				t.Fatalf("limit %d rose after %d successes, want %d", before, i, max(before, minRecoverStreak))
			}
			l.release(take(t, l, 1)[0], verdictOK, 0)
		}
		if l.current() != before+1 {
			t.Fatalf("limit %d after a run of successes at %d", l.current(), before)
		}
		steps++
	}
	// Never above the maximum; neutral answers change nothing.
	for range 50 {
		l.release(take(t, l, 1)[0], verdictOK, 0)
		l.release(take(t, l, 1)[0], verdictNone, 0)
	}
	if l.current() != 8 || steps != 4 {
		t.Errorf("limit %d after %d steps", l.current(), steps)
	}
}

func TestLimiterWaitsForASlot(t *testing.T) {
	l := newLimiter(2)
	es := take(t, l, 2)
	got := make(chan error, 1)
	go func() {
		e, err := l.acquire(context.Background())
		if err == nil {
			l.release(e, verdictOK, 0)
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a third slot was granted at limit 2 (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	l.release(es[0], verdictOK, 0)
	if err := <-got; err != nil {
		t.Fatal(err)
	}

	// Waiting ends with the context.
	take(t, l, 1) // both slots taken again
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := l.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}

func TestLimiterPause(t *testing.T) {
	l := newLimiter(4)
	e := take(t, l, 1)[0]
	start := time.Now()
	l.release(e, verdictOverload, 300*time.Millisecond)
	// A pause holds back every new request, with slots free.
	e, err := l.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("acquired %v into a 300ms pause", waited)
	}
	// A shorter pause does not cut a longer one short.
	e2 := take(t, l, 1)[0]
	l.release(e, verdictNone, time.Second)
	l.release(e2, verdictNone, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("acquire during a pause, until the context ended: %v", err)
	}
}

// TestLimiterConcurrent: many goroutines, random verdicts; the slots in use
// never exceed the limit in force, whatever it is (run with -race).
func TestLimiterConcurrent(t *testing.T) {
	l := newLimiter(6)
	var inUse, over atomic.Int64
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				e, err := l.acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n := inUse.Add(1); n > int64(l.max) {
					over.Add(1)
				}
				v := verdictOK
				if (g+i)%17 == 0 {
					v = verdictOverload
				}
				inUse.Add(-1)
				l.release(e, v, 0)
			}
		}()
	}
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if over.Load() != 0 || l.inFlight != 0 || l.limit < 1 || l.limit > 6 {
		t.Errorf("%d times over the maximum; %d in flight at the end; limit %d", over.Load(), l.inFlight, l.limit)
	}
}

// --- through the client, against the stand-in ------------------------------

// scaleServer serves a generated dataset of repos repositories with
// perRepo findings each.
func scaleServer(t *testing.T, seed int64, repos, perRepo int, opts ...semgreptest.Option) (*semgreptest.Server, *semgreptest.Dataset) {
	t.Helper()
	ds := semgreptest.GenerateDataset(seed, repos, repos*perRepo, testNow)
	ds.Token = secretToken
	s := semgreptest.NewServer(ds, opts...)
	t.Cleanup(s.Close)
	return s, ds
}

// fetchAll reads the findings of every repository of ds at once, one
// goroutine each, and fails the test on any error or short count.
func fetchAll(t *testing.T, c *Client, ds *semgreptest.Dataset) {
	t.Helper()
	var wg sync.WaitGroup
	for _, p := range ds.Projects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			err := c.Findings(context.Background(), ds.Deployment.Slug, FindingsQuery{Repos: []string{p.Name}, Status: "any"},
				func(page []finding.Finding) error { n += len(page); return nil })
			if note(t, err) != nil || n != len(p.Findings) {
				t.Errorf("%s: %d of %d findings, %v", p.Name, n, len(p.Findings), err)
			}
		}()
	}
	wg.Wait()
}

func TestLimitSignals(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		fault semgreptest.Fault
		want  int
	}{
		{"429", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 429, RetryAfter: "0", Times: 1}, 4},
		{"500", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 500, Times: 1}, 4},
		{"502", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 502, Times: 1}, 4},
		{"503", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 503, Times: 1}, 4},
		{"504", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 504, Times: 1}, 4},
		{"two 503s in a row", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 503, Times: 2}, 2},
		{"timeout", semgreptest.Fault{Op: semgreptest.OpDeployments, Delay: 5 * time.Second, Times: 1}, 4},
		{"reset", semgreptest.Fault{Op: semgreptest.OpDeployments, Reset: true, Times: 1}, 8},
		{"truncated", semgreptest.Fault{Op: semgreptest.OpDeployments, Truncate: true, Times: 1}, 8},
		{"400", semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 400, Times: 1}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := demo(t)
			o := Options{BaseURL: s.URL, Token: secretToken, RetryBase: time.Millisecond}
			if tc.fault.Delay > 0 {
				o.RequestTimeout = time.Second
			}
			c := New(o)
			s.Inject(tc.fault)
			_, _ = c.Deployments(ctx)
			if got := c.Limit(); got != tc.want {
				t.Errorf("limit %d, want %d", got, tc.want)
			}
		})
	}
}

// TestBacksOffAndRecovers: 16 goroutines share one client against a
// stand-in that serves 2 requests at once and answers 429 (Retry-After: 1)
// beyond. Every call succeeds, the client slows down and stays slow while
// the server limits it, and speeds up again once the limit is gone.
func TestBacksOffAndRecovers(t *testing.T) {
	s, ds := scaleServer(t, 21, 16, 40, semgreptest.WithLatency(30*time.Millisecond))
	s.SetMaxInFlight(2, "1")
	c := New(Options{BaseURL: s.URL, Token: secretToken, RetryBase: time.Millisecond, MaxRetries: 30, MaxConcurrency: 8})

	// The first wave of 8 runs into the limit.
	fetchAll(t, c, ds)
	if s.RateLimited() == 0 || c.Limit() >= 8 {
		t.Fatalf("after the first batch: %d answered 429, client limit %d", s.RateLimited(), c.Limit())
	}
	t.Logf("first batch: %d answered 429; client limit now %d", s.RateLimited(), c.Limit())

	// Once slowed down, the client does not go back to 8 at once while
	// still being limited: its peak stays near what the server takes.
	s.ResetPeakInFlight()
	fetchAll(t, c, ds)
	if peak := s.PeakInFlight(); peak > 5 {
		t.Errorf("peak in flight %d after the first 429 wave; the server takes 2", peak)
	}

	// Limit removed: successes bring the client back to its maximum.
	s.SetMaxInFlight(0, "")
	low, limited := c.Limit(), s.RateLimited()
	for i := 0; i < 4 && c.Limit() < 8; i++ {
		fetchAll(t, c, ds)
	}
	if c.Limit() != 8 || s.RateLimited() != limited {
		t.Errorf("limit %d after recovery (was %d); %d more 429s", c.Limit(), low, s.RateLimited()-limited)
	}
}

// TestRetryAfterPausesAllRequests: one request's 429 with Retry-After: 1
// holds back every request of the client, not only its own retry.
func TestRetryAfterPausesAllRequests(t *testing.T) {
	s, ds := scaleServer(t, 22, 8, 40)
	c := New(Options{BaseURL: s.URL, Token: secretToken, RetryBase: time.Millisecond})
	s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 429, RetryAfter: "1", Times: 1})
	done := make(chan error, 1)
	go func() {
		_, err := c.Deployments(context.Background())
		done <- err
	}()
	// Wait for the client to have taken the 429 in.
	var until time.Time
	for deadline := time.Now().Add(10 * time.Second); until.IsZero(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the 429 never paused the client")
		}
		c.lim.mu.Lock()
		until = c.lim.pausedUntil
		c.lim.mu.Unlock()
	}
	fetchAll(t, c, ds)
	if _, err := c.Projects(context.Background(), ds.Deployment.Slug); note(t, err) != nil {
		t.Error(err)
	}
	if err := <-done; note(t, err) != nil {
		t.Error(err)
	}
	reqs := s.Requests()
	if len(reqs) != 1+1+len(ds.Projects)+1 {
		t.Fatalf("%d requests", len(reqs))
	}
	if until.Sub(reqs[0].At) < time.Second {
		t.Errorf("paused until %v after the 429 arrived", until.Sub(reqs[0].At))
	}
	// Same process, so At and until compare on the monotonic clock.
	for _, r := range reqs[1:] {
		if r.At.Before(until) {
			t.Errorf("%s %s?%s reached the server %v before the pause ended", r.Method, r.Path, r.Query.Encode(), until.Sub(r.At))
		}
	}
}

// TestMaxConcurrencyBoundsInFlight: whatever the goroutines want, the
// server never sees more than MaxConcurrency requests of one client.
func TestMaxConcurrencyBoundsInFlight(t *testing.T) {
	s, ds := scaleServer(t, 23, 16, 40, semgreptest.WithLatency(20*time.Millisecond))
	for _, limit := range []int{3, 1} {
		s.ResetPeakInFlight()
		c := New(Options{BaseURL: s.URL, Token: secretToken, RetryBase: time.Millisecond, MaxConcurrency: limit})
		fetchAll(t, c, ds)
		if peak := s.PeakInFlight(); peak > limit || peak < 1 {
			t.Errorf("MaxConcurrency %d: peak in flight %d", limit, peak)
		}
	}
}
