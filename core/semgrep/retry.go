package semgrep

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// maxRetryAfter caps a server's Retry-After so a bogus value cannot
	// stall a sync for hours.
	maxRetryAfter = 60 * time.Second
	// maxBackoff caps the exponential back-off between attempts.
	maxBackoff = 30 * time.Second
)

// attemptFunc makes one request. It returns the server's Retry-After (0 if
// none) with its error so the loop can honour it.
type attemptFunc func(ctx context.Context) (retryAfter time.Duration, err error)

// retry runs fn until it succeeds, fails with an error that is not
// retryable, the context ends, or MaxRetries retries were made. Retryable
// errors are the *APIError values marked so (429, 500/502/503/504,
// transport failures, truncated bodies). Waits use exponential back-off
// with full jitter, or the server's Retry-After when it sent one.
func (c *Client) retry(ctx context.Context, fn attemptFunc) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		retryAfter, err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		var ae *APIError
		if !errors.As(err, &ae) || !ae.retryable {
			return err
		}
		if attempt >= c.maxRetries {
			if attempt > 0 {
				cp := *ae
				cp.Message += fmt.Sprintf(" (gave up after %d attempts)", attempt+1)
				return &cp
			}
			return err
		}
		wait := c.backoff(attempt, retryAfter)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", ae.Op, ctx.Err())
		case <-t.C:
		}
	}
}

// backoff is the wait before retry number attempt+1: the server's
// Retry-After when given, else a random duration in [0, base·2^attempt]
// ("full jitter", so many clients do not retry in step).
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxRetryAfter)
	}
	ceil := c.retryBase
	for i := 0; i < attempt && ceil < maxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, maxBackoff)
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. It reports false when the header is absent or unusable. The result
// is capped at maxRetryAfter; a date in the past means "now" (0, true).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return min(d, maxRetryAfter), true
}
