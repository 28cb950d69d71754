// Package faultkit holds the fault mechanics the two local stand-ins
// (wiztest, semgreptest) share: a body trickled past a client's timeout,
// and random transient faults that never hit the same request twice in a
// row, so a client that retries at least once always gets through.
package faultkit

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// WriteHead renders the real response (serve) aside, sends its status and
// headers with the full Content-Length on w, and returns the body still to
// be sent: a stand-in then sends it slowly or only half of it.
func WriteHead(w http.ResponseWriter, serve func(http.ResponseWriter)) []byte {
	rec := httptest.NewRecorder()
	serve(rec)
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	body := rec.Body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	return body
}

// Trickle writes body in ten pieces spread over d, flushing each, and
// stops when the client goes away.
func Trickle(w http.ResponseWriter, r *http.Request, body []byte, d time.Duration) {
	const pieces = 10
	step := max(1, (len(body)+pieces-1)/pieces)
	rc := http.NewResponseController(w)
	for i := 0; i < len(body); i += step {
		_, _ = w.Write(body[i:min(i+step, len(body))])
		_ = rc.Flush()
		t := time.NewTimer(d / pieces)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Kind is a transient fault.
type Kind int

const (
	None Kind = iota
	Status500
	Status503
	Status429 // with Retry-After: 0
	Reset     // the connection is closed abruptly
)

// Flaky fails a share of requests at random with a transient fault. A
// request (identified by a key the caller builds from method, path, query
// and body) whose previous attempt was faulted is always served.
type Flaky struct {
	mu      sync.Mutex
	rate    float64
	rng     *rand.Rand
	faulted map[string]bool
	count   int
}

// NewFlaky fails the share rate of requests, drawing from rng (seeded by
// the caller, so a seed gives the same sequence of draws).
func NewFlaky(rate float64, rng *rand.Rand) *Flaky {
	return &Flaky{rate: rate, rng: rng, faulted: map[string]bool{}}
}

// Draw decides the fault for one request, or None. A nil Flaky never
// faults.
func (f *Flaky) Draw(key string) Kind {
	if f == nil || f.rate <= 0 {
		return None
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faulted[key] {
		delete(f.faulted, key)
		return None
	}
	if f.rng.Float64() >= f.rate {
		return None
	}
	f.faulted[key] = true
	f.count++
	switch f.rng.IntN(4) {
	case 0:
		return Status500
	case 1:
		return Status503
	case 2:
		return Status429
	}
	return Reset
}

// Count is how many faults were drawn so far.
func (f *Flaky) Count() int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}
