package wiz

import (
	"context"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/retry"
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

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// Absent, unusable or past values give 0; the result is capped at
// maxRetryAfter, as the wait before a retry is.
func parseRetryAfter(h string, now time.Time) time.Duration {
	d, _ := retry.ParseRetryAfter(h, now, maxRetryAfter)
	return d
}

// canceled wraps a context error.
func canceled(op string, err error) *Error {
	return &Error{Op: op, Kind: KindCanceled, Message: "cancelled", err: err}
}

// policy caps the jittered backoff at a minute and a server's Retry-After
// at maxRetryAfter.
func (c *Client) policy() retry.Policy {
	return retry.Policy{MaxRetries: c.cfg.MaxRetries, Base: c.cfg.RetryBase, Max: time.Minute, MaxRetryAfter: maxRetryAfter}
}

// retry runs attempt until it succeeds, fails permanently, or MaxRetries
// retries of transient failures are used up. Waits are the server's
// Retry-After when it sent one, else exponential backoff with full jitter.
func (c *Client) retry(ctx context.Context, op string, attempt func(ctx context.Context) *Error) *Error {
	var last *Error
	_, stop, _ := retry.Do(ctx, c.policy(), func(ctx context.Context) (time.Duration, bool, error) {
		last = attempt(ctx)
		if last == nil {
			return 0, false, nil // not last itself: a nil *Error is a non-nil error
		}
		return last.retryAfter, retryable(last), last
	})
	switch stop {
	case retry.Succeeded:
		return nil
	case retry.Canceled, retry.CanceledWait:
		return canceled(op, ctx.Err())
	}
	return last
}
