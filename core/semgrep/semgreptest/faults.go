package semgreptest

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/internal/faultkit"
)

// Fault makes the stand-in misbehave for matching requests, before it
// checks the token (a gateway fails before the application does).
type Fault struct {
	// Op is OpDeployments, OpProjects, OpScans, OpFindings, or "" for all.
	Op string
	// Query, when set, limits the fault to requests whose query has these
	// values (e.g. {"page": {"2"}}).
	Query url.Values
	// Status, when not 0, is answered instead of the real response, with
	// Body (default: a JSON error object) and RetryAfter as the
	// Retry-After header. Status 0 with a Body answers 200 with that body.
	Status      int
	RetryAfter  string
	Body        string
	ContentType string // default: text/html for bodies starting with "<", else application/json
	// Times is how many matching requests the fault hits; 0 or less means
	// every one until ClearFaults.
	Times int
	// Delay holds the response back (before anything else the fault does);
	// a fault with only a Delay then serves the real response.
	Delay time.Duration
	// Reset closes the connection without a response.
	Reset bool
	// Truncate sends the real response with its full Content-Length but
	// only half the body, then closes the connection.
	Truncate bool
	// SlowBody sends the real response's headers at once and trickles its
	// body out over this long (the client may give up first).
	SlowBody time.Duration
}

// Inject adds a fault. Faults are tried in the order added; the first that
// matches a request applies.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := f
	s.faults = append(s.faults, &fc)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching the request and uses up one
// of its Times.
func (s *Server) takeFault(op string, q url.Values) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		if !queryMatches(q, f.Query) {
			continue
		}
		cp := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &cp
	}
	return nil
}

func queryMatches(q, want url.Values) bool {
	for k, vs := range want {
		got := q[k]
		if len(got) != len(vs) {
			return false
		}
		for i := range vs {
			if got[i] != vs[i] {
				return false
			}
		}
	}
	return true
}

// applyFault performs f. It reports true when the response is done (the
// real handler must not run); serve renders the real response for
// Truncate.
func applyFault(w http.ResponseWriter, r *http.Request, f *Fault, serve func(http.ResponseWriter)) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
	}
	switch {
	case f.Reset:
		resetConn(w)
		return true
	case f.SlowBody > 0:
		faultkit.Trickle(w, r, faultkit.WriteHead(w, serve), f.SlowBody)
		return true
	case f.Truncate:
		body := faultkit.WriteHead(w, serve)
		_, _ = w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		// Aborting the handler makes the server drop the connection
		// short of the promised length.
		panic(http.ErrAbortHandler)
	case f.Status != 0 || f.Body != "":
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		body := f.Body
		if body == "" {
			body = `{"error": "` + http.StatusText(status) + `"}`
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
			if bytes.HasPrefix(bytes.TrimSpace([]byte(body)), []byte("<")) {
				ct = "text/html; charset=utf-8"
			}
		}
		w.Header().Set("Content-Type", ct)
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	}
	return false
}

// resetConn closes the client's connection abruptly (RST where possible).
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// WithFaultRate fails the share p of API requests at random with a
// transient fault: HTTP 500, 503, 429 with Retry-After: 0, or a reset
// connection. A request is never failed twice in a row (same method, path,
// query and body), so a client that retries at least once always gets
// through. seed seeds the draws; with concurrent clients which request gets
// which draw varies. Injected faults take precedence.
func WithFaultRate(p float64, seed int64) Option {
	return func(s *Server) {
		s.flaky = faultkit.NewFlaky(p, rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)))
	}
}

// randomFault draws a fault for a request no injected fault matched.
func (s *Server) randomFault(op, key string) *Fault {
	if op == "" || op == OpPing {
		return nil
	}
	switch s.flaky.Draw(key) {
	case faultkit.Status500:
		return &Fault{Status: http.StatusInternalServerError}
	case faultkit.Status503:
		return &Fault{Status: http.StatusServiceUnavailable}
	case faultkit.Status429:
		return &Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"}
	case faultkit.Reset:
		return &Fault{Reset: true}
	}
	return nil
}

// RandomFaults counts the faults WithFaultRate injected so far.
func (s *Server) RandomFaults() int { return s.flaky.Count() }
