package semgrep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/retry"
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

func (c *Client) policy() retry.Policy {
	return retry.Policy{MaxRetries: c.maxRetries, Base: c.retryBase, Max: maxBackoff, MaxRetryAfter: maxRetryAfter}
}

// retry runs fn until it succeeds, fails with an error that is not
// retryable, the context ends, or MaxRetries retries were made. Retryable
// errors are the *APIError values marked so (429, 500/502/503/504,
// transport failures, truncated bodies). Waits use exponential back-off
// with full jitter, or the server's Retry-After when it sent one.
func (c *Client) retry(ctx context.Context, fn attemptFunc) error {
	var last *APIError // the last attempt's *APIError, if it returned one
	attempts, stop, err := retry.Do(ctx, c.policy(), func(ctx context.Context) (time.Duration, bool, error) {
		last = nil
		// An ended context is returned as is, without making a request.
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		retryAfter, err := fn(ctx)
		return retryAfter, errors.As(err, &last) && last.retryable, err
	})
	switch stop {
	case retry.Exhausted:
		if attempts > 1 {
			cp := *last
			cp.Message += fmt.Sprintf(" (gave up after %d attempts)", attempts)
			return &cp
		}
	case retry.CanceledWait:
		return fmt.Errorf("%s: %w", last.Op, err)
	}
	return err
}

// backoff is the wait before retry number attempt+1: the server's
// Retry-After when given, else a random duration in [0, base·2^attempt]
// capped at maxBackoff. retry.Do computes the same from c.policy().
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	return c.policy().Wait(attempt, retryAfter)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. It reports false when the header is absent or unusable. The result
// is capped at maxRetryAfter; a date in the past means "now" (0, true).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	return retry.ParseRetryAfter(v, now, maxRetryAfter)
}
