package semgrep

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxConcurrency is the most requests a Client has in flight at once
// when Options.MaxConcurrency is 0.
const DefaultMaxConcurrency = 8

// minRecoverStreak is the fewest successes in a row that raise the limit by
// one. Semgrep's rate limits are unpublished: after being told to slow
// down, the client probes its way back up slowly.
const minRecoverStreak = 4

// verdict is what one attempt says about the server's load.
type verdict int

const (
	verdictNone     verdict = iota // nothing: other 4xx, resets, cancellations
	verdictOK                      // a 2xx answer, read whole
	verdictOverload                // 429, 500/502/503/504, a timeout
)

// limiter bounds a Client's requests in flight with AIMD: the limit starts
// at max, is halved (down to 1) by an overload answer and grows back by one
// after every window of successes. All the Client's goroutines share it,
// so parallel repositories and read-ahead pages slow down together.
type limiter struct {
	mu       sync.Mutex
	max      int
	limit    int
	inFlight int
	// epoch counts decreases. An attempt remembers the epoch it started
	// in; only attempts started since the last decrease may decrease
	// again, so a burst of 429s to requests sent together halves once.
	epoch uint64
	// streak counts successes in a row of attempts started in the
	// current epoch since the limit last changed.
	streak int
	// pausedUntil holds back every new attempt (a 429's Retry-After).
	pausedUntil time.Time
	// changed is closed and replaced whenever a waiter may now go on.
	changed chan struct{}
}

func newLimiter(maxInFlight int) *limiter {
	n := maxConcurrency(maxInFlight)
	return &limiter{max: n, limit: n, changed: make(chan struct{})}
}

// maxConcurrency applies Options.MaxConcurrency's defaults.
func maxConcurrency(n int) int {
	switch {
	case n == 0:
		return DefaultMaxConcurrency
	case n < 1:
		return 1
	}
	return n
}

// current is the limit now.
func (l *limiter) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// acquire waits until no pause is on and a slot is free, then takes the
// slot. It returns the epoch to hand to release, or ctx's error.
func (l *limiter) acquire(ctx context.Context) (uint64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		l.mu.Lock()
		wait := time.Until(l.pausedUntil)
		if wait <= 0 && l.inFlight < l.limit {
			l.inFlight++
			e := l.epoch
			l.mu.Unlock()
			return e, nil
		}
		changed := l.changed
		l.mu.Unlock()

		var timer *time.Timer
		var expired <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			expired = timer.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-expired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// release gives back a slot taken in epoch with what the attempt said
// about the server's load, and pauses every new attempt for pause (> 0)
// from now.
func (l *limiter) release(epoch uint64, v verdict, pause time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	switch v {
	case verdictOverload:
		if epoch == l.epoch {
			l.limit = max(1, l.limit/2)
			l.epoch++
			l.streak = 0
		}
	case verdictOK:
		if epoch == l.epoch && l.limit < l.max {
			l.streak++
			if l.streak >= max(l.limit, minRecoverStreak) {
				l.limit++
				l.streak = 0
			}
		}
	}
	if pause > 0 {
		if until := time.Now().Add(pause); until.After(l.pausedUntil) {
			l.pausedUntil = until
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
}
