package wiz

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// Wiz allows about 3 API requests per second per tenant, shared by every
// integration of the tenant. We stay well under it: one request per second
// on average, three at once (a connection check), and slower still for a
// while after Wiz said we were too fast.
const (
	DefaultRequestsPerSecond = 1.0
	requestBurst             = 3
	minRequestsPerSecond     = 0.1
)

// pacer spaces the client's API requests (token and GraphQL; the upload's
// PUT goes to the storage, not the API). A 429 halves the rate; every
// answer that is not one brings it back up by a quarter, to the maximum.
type pacer struct {
	lim *rate.Limiter
	max rate.Limit

	mu sync.Mutex
}

func newPacer(perSecond float64) *pacer {
	if perSecond <= 0 {
		perSecond = DefaultRequestsPerSecond
	}
	return &pacer{lim: rate.NewLimiter(rate.Limit(perSecond), requestBurst), max: rate.Limit(perSecond)}
}

// wait blocks until the next request may go out, or ctx ends.
func (p *pacer) wait(ctx context.Context) error { return p.lim.Wait(ctx) }

// answered adjusts the rate to how Wiz answered.
func (p *pacer) answered(rateLimited bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.lim.Limit()
	next := min(cur*1.25, p.max)
	if rateLimited {
		next = max(cur/2, minRequestsPerSecond)
	}
	if next != cur {
		p.lim.SetLimit(next)
	}
}

// Rate is the client's current request rate limit (requests per second).
func (c *Client) Rate() float64 { return float64(c.pace.lim.Limit()) }
