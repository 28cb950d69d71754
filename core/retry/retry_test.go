package retry

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const limit = time.Minute
	tests := []struct {
		in    string
		limit time.Duration
		want  time.Duration
		ok    bool
	}{
		{"", limit, 0, false},
		{"   ", limit, 0, false},
		{"0", limit, 0, true},
		{"7", limit, 7 * time.Second, true},
		{" 12 ", limit, 12 * time.Second, true},
		{"60", limit, time.Minute, true},
		{"61", limit, limit, true},
		{"3600", limit, limit, true},
		{"3600", 0, time.Hour, true},                              // no cap
		{"99999999999999", 0, time.Duration(math.MaxInt64), true}, // would overflow n·time.Second
		{"1", 500 * time.Millisecond, 500 * time.Millisecond, true},
		{"-1", limit, 0, false},
		{"-0", limit, 0, true},
		{"1.5", limit, 0, false},
		{"soon", limit, 0, false},
		{"99999999999999999999", limit, 0, false}, // not an int64, not a date
		{now.Add(20 * time.Second).Format(http.TimeFormat), limit, 20 * time.Second, true},
		{now.Format(http.TimeFormat), limit, 0, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), limit, 0, true},
		{now.Add(time.Hour).Format(http.TimeFormat), limit, limit, true},
		{now.Add(time.Hour).Format(http.TimeFormat), 0, time.Hour, true},
		{"Fri, 02 Jan 2026 03:04:35 GMT", limit, 30 * time.Second, true},
		{"Friday, 02-Jan-26 03:04:15 GMT", limit, 10 * time.Second, true}, // RFC 850
		{"Fri Jan  2 03:04:25 2026", limit, 20 * time.Second, true},       // asctime
		{"Fri, 02 Jan 2026 03:04:35", limit, 0, false},                    // no zone
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now, tt.limit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q, limit %v) = %v, %v; want %v, %v", tt.in, tt.limit, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	const base, limit = 100 * time.Millisecond, 30 * time.Second
	for attempt := range 12 {
		ceil := min(base<<attempt, limit)
		var low, high bool
		for range 2000 {
			d := Backoff(attempt, base, limit)
			if d < 0 || d > ceil {
				t.Fatalf("Backoff(%d) = %v, outside [0, %v]", attempt, d, ceil)
			}
			low = low || d < ceil/2
			high = high || d >= ceil/2
		}
		// Full jitter spreads over the whole range, not just near the ceiling
		// or near zero (each miss has odds of 2^-2000).
		if !low || !high {
			t.Errorf("Backoff(%d) draws not spread over [0, %v]: low %v high %v", attempt, ceil, low, high)
		}
	}
}

func TestBackoffEdges(t *testing.T) {
	for range 200 {
		if d := Backoff(1000, time.Second, time.Minute); d < 0 || d > time.Minute {
			t.Fatalf("large attempt not capped: %v", d)
		}
		if d := Backoff(-3, time.Second, time.Minute); d < 0 || d > time.Second {
			t.Fatalf("negative attempt not treated as 0: %v", d)
		}
		if d := Backoff(100, time.Second, math.MaxInt64); d < 0 {
			t.Fatalf("overflow with the largest limit: %v", d)
		}
		if d := Backoff(0, 2*time.Minute, time.Minute); d > time.Minute {
			t.Fatalf("base above limit not capped: %v", d)
		}
	}
	if d := Backoff(3, 0, time.Minute); d != 0 {
		t.Errorf("zero base: %v", d)
	}
	if d := Backoff(3, -time.Second, time.Minute); d != 0 {
		t.Errorf("negative base: %v", d)
	}
	if d := Backoff(3, time.Second, 0); d != 0 {
		t.Errorf("zero limit: %v", d)
	}
}

func TestPolicyWait(t *testing.T) {
	p := Policy{Base: time.Millisecond, Max: 8 * time.Millisecond, MaxRetryAfter: 5 * time.Second}
	if d := p.Wait(0, 3*time.Second); d != 3*time.Second {
		t.Errorf("Retry-After not honoured: %v", d)
	}
	if d := p.Wait(0, time.Hour); d != 5*time.Second {
		t.Errorf("Retry-After not capped: %v", d)
	}
	if d := (Policy{}).Wait(0, time.Hour); d != time.Hour {
		t.Errorf("Retry-After with no cap: %v", d)
	}
	for range 200 {
		if d := p.Wait(10, 0); d < 0 || d > 8*time.Millisecond {
			t.Fatalf("back-off outside [0, Max]: %v", d)
		}
	}
}

func TestSleep(t *testing.T) {
	start := time.Now()
	if err := Sleep(context.Background(), 30*time.Millisecond); err != nil || time.Since(start) < 30*time.Millisecond {
		t.Errorf("Sleep = %v after %v", err, time.Since(start))
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start = time.Now()
	if err := Sleep(ctx, time.Minute); !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled Sleep = %v after %v", err, time.Since(start))
	}
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on an ended context = %v", err)
	}
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on an ended context = %v", err)
	}
}

// script returns an attempt func that plays back results in order and
// records when each call started.
type result struct {
	retryAfter time.Duration
	retryable  bool
	err        error
}

func script(calls *[]time.Time, results ...result) func(context.Context) (time.Duration, bool, error) {
	return func(context.Context) (time.Duration, bool, error) {
		*calls = append(*calls, time.Now())
		r := results[min(len(*calls), len(results))-1]
		return r.retryAfter, r.retryable, r.err
	}
}

var (
	errTransient = errors.New("transient")
	errPermanent = errors.New("permanent")
)

func TestDo(t *testing.T) {
	fast := Policy{MaxRetries: 3, Base: time.Millisecond, Max: 2 * time.Millisecond, MaxRetryAfter: time.Second}
	transient := result{retryable: true, err: errTransient}
	tests := []struct {
		name     string
		p        Policy
		results  []result
		attempts int
		stop     Stop
		err      error
	}{
		{"first try", fast, []result{{}}, 1, Succeeded, nil},
		{"after transient failures", fast, []result{transient, transient, {}}, 3, Succeeded, nil},
		{"not retryable", fast, []result{{err: errPermanent}}, 1, Failed, errPermanent},
		{"not retryable after a transient one", fast, []result{transient, {err: errPermanent}}, 2, Failed, errPermanent},
		{"max retries", fast, []result{transient}, 4, Exhausted, errTransient},
		{"no retries", Policy{Base: time.Millisecond, Max: time.Millisecond}, []result{transient}, 1, Exhausted, errTransient},
		{"negative retries", Policy{MaxRetries: -2, Base: time.Millisecond, Max: time.Millisecond}, []result{transient}, 1, Exhausted, errTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []time.Time
			n, stop, err := Do(context.Background(), tt.p, script(&calls, tt.results...))
			if n != tt.attempts || stop != tt.stop || err != tt.err || len(calls) != tt.attempts {
				t.Errorf("Do = %d, %v, %v after %d calls; want %d, %v, %v", n, stop, err, len(calls), tt.attempts, tt.stop, tt.err)
			}
		})
	}
}

func TestDoHonoursRetryAfter(t *testing.T) {
	// The back-off alone would be at most 1 ms; the server asks for 150 ms.
	p := Policy{MaxRetries: 2, Base: time.Millisecond, Max: time.Millisecond, MaxRetryAfter: time.Minute}
	var calls []time.Time
	n, stop, err := Do(context.Background(), p, script(&calls,
		result{retryAfter: 150 * time.Millisecond, retryable: true, err: errTransient}, result{}))
	if n != 2 || stop != Succeeded || err != nil {
		t.Fatalf("Do = %d, %v, %v", n, stop, err)
	}
	if gap := calls[1].Sub(calls[0]); gap < 150*time.Millisecond {
		t.Errorf("retried after %v, want at least the 150ms Retry-After", gap)
	}

	// A huge Retry-After is capped at MaxRetryAfter.
	p.MaxRetryAfter = 50 * time.Millisecond
	calls = nil
	start := time.Now()
	n, stop, _ = Do(context.Background(), p, script(&calls,
		result{retryAfter: time.Hour, retryable: true, err: errTransient}, result{}))
	if n != 2 || stop != Succeeded {
		t.Fatalf("Do = %d, %v", n, stop)
	}
	if gap := calls[1].Sub(calls[0]); gap < 50*time.Millisecond || time.Since(start) > 10*time.Second {
		t.Errorf("capped Retry-After waited %v", gap)
	}
}

func TestDoCancel(t *testing.T) {
	t.Run("while waiting", func(t *testing.T) {
		p := Policy{MaxRetries: 5, Base: time.Hour, Max: time.Hour, MaxRetryAfter: time.Hour}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		var calls []time.Time
		start := time.Now()
		n, stop, err := Do(ctx, p, script(&calls, result{retryAfter: time.Hour, retryable: true, err: errTransient}))
		if n != 1 || stop != CanceledWait || !errors.Is(err, context.Canceled) || len(calls) != 1 || time.Since(start) > 5*time.Second {
			t.Errorf("Do = %d, %v, %v after %v and %d calls", n, stop, err, time.Since(start), len(calls))
		}
	})
	t.Run("during an attempt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		n, stop, err := Do(ctx, Policy{MaxRetries: 5}, func(context.Context) (time.Duration, bool, error) {
			calls++
			cancel()
			return 0, true, errTransient // retryable, but the context has ended
		})
		if n != 1 || stop != Canceled || err != errTransient || calls != 1 {
			t.Errorf("Do = %d, %v, %v after %d calls", n, stop, err, calls)
		}
	})
	t.Run("an attempt succeeding as the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n, stop, err := Do(ctx, Policy{}, func(context.Context) (time.Duration, bool, error) {
			cancel()
			return 0, false, nil
		})
		if n != 1 || stop != Succeeded || err != nil {
			t.Errorf("Do = %d, %v, %v", n, stop, err)
		}
	})
	t.Run("the attempt sees the context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		n, stop, err := Do(ctx, Policy{MaxRetries: 5}, func(ctx context.Context) (time.Duration, bool, error) {
			return 0, true, ctx.Err()
		})
		if n != 1 || stop != Canceled || !errors.Is(err, context.Canceled) {
			t.Errorf("Do = %d, %v, %v", n, stop, err)
		}
	})
}

func TestStopString(t *testing.T) {
	seen := map[string]bool{}
	for s := Succeeded; s <= CanceledWait; s++ {
		str := s.String()
		if str == "" || seen[str] {
			t.Errorf("Stop(%d).String() = %q: empty or repeated", int(s), str)
		}
		seen[str] = true
	}
	if got := Stop(99).String(); got != "Stop(99)" {
		t.Errorf("unknown Stop = %q", got)
	}
}
