package semgreptest

import (
	"net/http"
	"sync"
)

// inFlight counts the requests being served, for SetMaxInFlight and
// PeakInFlight. It has its own lock so that counting never waits behind a
// findings walk holding the server's.
type inFlight struct {
	mu         sync.Mutex
	n          int // being served now
	peak       int
	max        int // <= 0: no limit
	retryAfter string
	limited    int // answered 429 by the limit
}

// SetMaxInFlight makes the stand-in behave like a rate-limited API: while
// n requests are being served, a further one is answered 429 at once, with
// retryAfter as its Retry-After header ("" sends none) and a JSON error
// body. Every request counts, whatever it asks for, from its arrival until
// its response is done (WithLatency and fault delays included). n <= 0
// turns the limit off.
func (s *Server) SetMaxInFlight(n int, retryAfter string) {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	s.inflight.max, s.inflight.retryAfter = n, retryAfter
}

// PeakInFlight is the most requests served at once since the server
// started or ResetPeakInFlight, counting those answered 429.
func (s *Server) PeakInFlight() int {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	return s.inflight.peak
}

// ResetPeakInFlight starts a new peak from the requests being served now.
func (s *Server) ResetPeakInFlight() {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	s.inflight.peak = s.inflight.n
}

// RateLimited counts the requests SetMaxInFlight's limit answered 429.
func (s *Server) RateLimited() int {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	return s.inflight.limited
}

// enter counts a request in. It reports whether the request is over the
// limit, with the Retry-After to send. Every enter needs a leave.
func (l *inFlight) enter() (limited bool, retryAfter string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	l.peak = max(l.peak, l.n)
	if l.max > 0 && l.n > l.max {
		l.limited++
		return true, l.retryAfter
	}
	return false, ""
}

func (l *inFlight) leave() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n--
}

// writeLimited answers as a rate-limited API does.
func writeLimited(w http.ResponseWriter, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests: slow down and retry later"})
}
