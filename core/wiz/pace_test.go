package wiz

import (
	"net/http"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// The client spaces its API requests: after the burst, no faster than the
// configured rate, however fast the callers ask.
func TestRequestsArePaced(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.RequestsPerSecond = 10 })
	ctx := testCtx(t)
	for range 12 {
		if _, err := c.RepositoryBranches(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	var at []time.Time
	for _, r := range s.Requests() {
		if r.Op == "token" || r.Op == "vcs" {
			at = append(at, r.At)
		}
	}
	if len(at) != 13 {
		t.Fatalf("%d requests", len(at))
	}
	// 13 requests at 10 per second with a burst of 3: the last one cannot
	// leave before 1 s after the first.
	if span := at[len(at)-1].Sub(at[0]); span < 950*time.Millisecond {
		t.Errorf("13 requests within %s at 10 per second", span)
	}
}

func TestDefaultPaceIsWellUnderWizLimit(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.RequestsPerSecond = 0 })
	if c.Rate() != DefaultRequestsPerSecond || DefaultRequestsPerSecond > 1.5 {
		t.Fatalf("default rate %v per second", c.Rate())
	}
}

// When Wiz answers 429 the client slows down, and it speeds up again as
// requests go through.
func TestPaceBacksOffAndRecovers(t *testing.T) {
	c, s := newPair(t, wiztest.Options{RateLimit: 10}, func(cfg *Config) {
		cfg.RequestsPerSecond = 200
		cfg.RetryBase = 20 * time.Millisecond
		cfg.MaxRetries = 10
	})
	ctx := testCtx(t)
	lowest := c.Rate()
	for i := range 40 {
		if _, err := c.RepositoryBranches(ctx, ""); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		lowest = min(lowest, c.Rate())
	}
	limited := 0
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("the stand-in never rate limited; the test proves nothing")
	}
	if lowest >= 200 {
		t.Errorf("the rate never dropped below 200/s despite %d answers 429", limited)
	}
	// Unlimited again: successes raise the rate back to the maximum.
	c2, _ := newPair(t, wiztest.Options{}, nil)
	c2.pace.lim.SetLimit(1)
	for range 40 {
		c2.pace.answered(false)
	}
	if c2.Rate() != 1000 {
		t.Errorf("after 40 successes the rate is %v, want back at 1000", c2.Rate())
	}
}
