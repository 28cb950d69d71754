// Package retry holds the retry mechanics the API clients share: exponential
// back-off with full jitter, Retry-After parsing, a context-aware sleep and a
// bounded retry loop. What counts as retryable, and what error a caller
// returns, stays with the caller.
package retry

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is the wait before retry number attempt+1: a random duration in
// [0, min(base·2^attempt, limit)] ("full jitter", so many clients do not
// retry in step). A non-positive base or limit gives 0.
func Backoff(attempt int, base, limit time.Duration) time.Duration {
	if base <= 0 || limit <= 0 {
		return 0
	}
	ceil := base
	for i := 0; i < attempt && ceil < limit; i++ {
		if ceil > limit/2 { // doubling would pass limit (or overflow)
			ceil = limit
			break
		}
		ceil *= 2
	}
	ceil = min(ceil, limit)
	// Unsigned so that ceil+1 cannot overflow when limit is the largest Duration.
	return time.Duration(rand.Uint64N(uint64(ceil) + 1))
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. It reports false when the header is absent or unusable (garbage, a
// negative number). A date in the past means "now" (0, true). The result is
// capped at limit so a bogus value cannot stall a sync for hours; limit <= 0
// means no cap.
func ParseRetryAfter(header string, now time.Time, limit time.Duration) (time.Duration, bool) {
	if limit <= 0 {
		limit = math.MaxInt64
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(header, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		// Compare in seconds first: n·time.Second could overflow.
		if n > int64(limit/time.Second) {
			return limit, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(header)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), limit), true
}

// Sleep waits d or until ctx ends, whichever is first, and returns ctx.Err()
// in the second case. A non-positive d returns ctx.Err() at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Policy bounds a retry loop.
type Policy struct {
	MaxRetries    int           // retries after the first attempt; negative counts as 0
	Base          time.Duration // first back-off step
	Max           time.Duration // cap on the back-off
	MaxRetryAfter time.Duration // cap on a server's Retry-After; <= 0 means no cap
}

// Wait is the pause before retry number attempt+1: the server's
// retryAfter (capped) when positive, else Backoff.
func (p Policy) Wait(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		if p.MaxRetryAfter > 0 {
			return min(retryAfter, p.MaxRetryAfter)
		}
		return retryAfter
	}
	return Backoff(attempt, p.Base, p.Max)
}

// Stop says why Do returned.
type Stop int

const (
	Succeeded    Stop = iota // an attempt returned nil; err is nil
	Failed                   // the attempt's error was not retryable; err is that error
	Exhausted                // the error was retryable but MaxRetries retries were made; err is that error
	Canceled                 // ctx had ended when an attempt returned; err is the attempt's error
	CanceledWait             // ctx ended while waiting to retry; err is ctx.Err()
)

func (s Stop) String() string {
	switch s {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Exhausted:
		return "retries exhausted"
	case Canceled:
		return "canceled during an attempt"
	case CanceledWait:
		return "canceled while waiting"
	}
	return "Stop(" + strconv.Itoa(int(s)) + ")"
}

// Do calls attempt until it succeeds, fails with an error it marks not
// retryable, p.MaxRetries retries were made, or ctx ends. Between attempts
// it waits p.Wait(n, retryAfter). It returns how many attempts ran, why it
// stopped and the error that goes with that (see Stop), so callers can
// shape their own errors. Do does not check ctx before an attempt: attempt
// receives ctx and is expected to honour it.
func Do(ctx context.Context, p Policy, attempt func(ctx context.Context) (retryAfter time.Duration, retryable bool, err error)) (attempts int, stop Stop, err error) {
	for n := 0; ; n++ {
		retryAfter, retryable, err := attempt(ctx)
		switch {
		case err == nil:
			return n + 1, Succeeded, nil
		case ctx.Err() != nil:
			return n + 1, Canceled, err
		case !retryable:
			return n + 1, Failed, err
		case n >= p.MaxRetries:
			return n + 1, Exhausted, err
		}
		if werr := Sleep(ctx, p.Wait(n, retryAfter)); werr != nil {
			return n + 1, CanceledWait, werr
		}
	}
}
