package wiz

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryable says whether a failure is worth another attempt.
func retryable(e *Error) bool {
	if e.noRetry {
		return false
	}
	switch e.Kind {
	case KindRateLimited, KindServer, KindNetwork:
		return true
	}
	return false
}

// backoff is the wait before retry number attempt+1: the server's
// Retry-After when it sent one, else exponential backoff with full jitter.
func (c *Client) backoff(attempt int, e *Error) time.Duration {
	if e != nil && e.retryAfter > 0 {
		return min(e.retryAfter, maxRetryAfter)
	}
	ceiling := c.cfg.RetryBase << min(attempt, 16)
	ceiling = min(ceiling, time.Minute)
	return rand.N(ceiling + 1)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
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

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// canceled wraps a context error.
func canceled(op string, err error) *Error {
	return &Error{Op: op, Kind: KindCanceled, Message: "cancelled", err: err}
}

// retry runs attempt until it succeeds, fails permanently, or MaxRetries
// retries of transient failures are used up.
func (c *Client) retry(ctx context.Context, op string, attempt func(ctx context.Context) *Error) *Error {
	for n := 0; ; n++ {
		e := attempt(ctx)
		if e == nil {
			return nil
		}
		if ctx.Err() != nil {
			return canceled(op, ctx.Err())
		}
		if !retryable(e) || n >= c.cfg.MaxRetries {
			return e
		}
		if err := sleepCtx(ctx, c.backoff(n, e)); err != nil {
			return canceled(op, err)
		}
	}
}
