package wiztest

import (
	"bytes"
	"github.com/semgrep-wiz/semgrep-wiz/core/internal/faultkit"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"time"
)

// Fault makes the next Times requests of one kind misbehave.
type Fault struct {
	// Op is the request kind: "token", "upload-request", "put", "activity",
	// "activities", "vcs", or "graphql" for any GraphQL request.
	Op string
	// Status, when set, is answered instead of the real handler, with Body,
	// or else a body in the shape of that endpoint (GraphQL error JSON with
	// GraphQLCode or a code derived from Status, OAuth error JSON, S3 XML).
	Status     int
	RetryAfter string // Retry-After header to send with Status
	// GraphQLCode alone (Status 0) answers HTTP 200 with that error code.
	GraphQLCode string
	// Body alone (Status 0, no GraphQLCode) answers HTTP 200 with it verbatim.
	Body  string
	Times int           // how many matching requests; 0 means 1
	Delay time.Duration // wait first; alone, the request is then served normally
	Reset bool          // drop the connection without an answer
	// Truncate serves the real answer (so a PUT is stored, a slot issued)
	// with its full Content-Length but only half of its body.
	Truncate bool
	// SlowBody serves the real answer with its headers at once and its
	// body trickled out over this long (the client may give up first; the
	// real handler has run either way).
	SlowBody time.Duration
	// Lost runs the real handler (a PUT is stored, a slot issued, a token
	// minted) and then drops the connection without sending its answer.
	Lost bool
}

// Inject queues a fault; faults for the same Op apply in order.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every injected fault not yet used up.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults counts injected faults not yet used up.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

func isGraphQLOp(op string) bool {
	switch op {
	case "token", "put", "other":
		return false
	}
	return true
}

// takeFault consumes one use of the first fault matching op.
func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Op == op || (f.Op == "graphql" && isGraphQLOp(op)) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

// applyFault acts out f; it reports false when the request should still
// be served normally (a pure Delay). serve runs the real handler.
func (s *Server) applyFault(w http.ResponseWriter, raw http.ResponseWriter, r *http.Request, op string, f *Fault, serve func(http.ResponseWriter)) bool {
	if f.Delay > 0 {
		// Take the body in first: the delay is a server slow to answer, a
		// client must not be left blocked sending, and only once the body
		// is read does the server notice a client that gave up.
		b, err := io.ReadAll(io.LimitReader(r.Body, maxUpload))
		if err != nil {
			return true
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
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
		discardUpload(r, op)
		if rec, ok := w.(*statusRecorder); ok {
			rec.status = 0 // no answer was sent
		}
		if conn, _, err := http.NewResponseController(raw).Hijack(); err == nil {
			conn.Close()
		}
		return true
	case f.Lost:
		serve(httptest.NewRecorder())
		if rec, ok := w.(*statusRecorder); ok {
			rec.status = 0 // no answer was sent
		}
		if conn, _, err := http.NewResponseController(raw).Hijack(); err == nil {
			conn.Close()
		}
		return true
	case f.Truncate, f.SlowBody > 0:
		body := faultkit.WriteHead(w, serve)
		if f.Truncate {
			// Fewer bytes than declared: the server drops the connection.
			_, _ = w.Write(body[:len(body)/2])
			return true
		}
		faultkit.Trickle(w, r, body, f.SlowBody)
		return true
	case f.Status != 0:
		discardUpload(r, op)
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		body := f.Body
		if body == "" {
			body = s.faultBody(op, f.Status, f.GraphQLCode)
		}
		setFaultContentType(w, op)
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, body)
		return true
	case f.GraphQLCode != "":
		discardUpload(r, op)
		setFaultContentType(w, op)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, s.faultBody(op, http.StatusOK, f.GraphQLCode))
		return true
	case f.Body != "":
		discardUpload(r, op)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, f.Body)
		return true
	}
	return false
}

// discardUpload reads a PUT's body so the client sees the faulted answer,
// not a broken pipe. Only for answers that replace the real handler: a
// pure Delay must leave the body to it.
func discardUpload(r *http.Request, op string) {
	if op == "put" {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxUpload))
	}
}

// randomFault decides whether a request the tests did not fault gets one
// of the transient faults of Options.FaultRate (500, 503, 429 with
// Retry-After: 0, or a reset connection). A request whose previous attempt
// was faulted this way is always served, so bounded retries get through.
func (s *Server) randomFault(op, key string) *Fault {
	switch op {
	case "token", "put", "upload-request", "activity", "activities", "vcs":
	default:
		return nil
	}
	switch s.flaky.Draw(key) {
	case faultkit.Status500:
		return &Fault{Op: op, Status: http.StatusInternalServerError}
	case faultkit.Status503:
		return &Fault{Op: op, Status: http.StatusServiceUnavailable}
	case faultkit.Status429:
		return &Fault{Op: op, Status: http.StatusTooManyRequests, RetryAfter: "0"}
	case faultkit.Reset:
		return &Fault{Op: op, Reset: true}
	}
	return nil
}

// RandomFaults counts the faults Options.FaultRate injected so far.
func (s *Server) RandomFaults() int { return s.flaky.Count() }

func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x3c6ef372fe94f82b))
}

func setFaultContentType(w http.ResponseWriter, op string) {
	if op == "put" {
		w.Header().Set("Content-Type", "application/xml")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
}

// faultBody is a plausible body for a faulted answer of op.
func (s *Server) faultBody(op string, status int, code string) string {
	switch op {
	case "token":
		switch status {
		case http.StatusOK:
			return `{"access_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":3600,"token_type":"Bearer"}`
		case http.StatusUnauthorized:
			return `{"error":"invalid_client"}`
		case http.StatusBadRequest:
			return `{"error":"invalid_request"}`
		}
		return `{"error":"server_error"}`
	case "put":
		switch {
		case status == http.StatusOK:
			return `<?xml version="1.0" encoding="UTF-8"?><PutObjectResult></PutObjectResult>`
		case status == http.StatusForbidden:
			return s3ErrorBody("AccessDenied", "Request has expired")
		case status == http.StatusServiceUnavailable:
			return s3ErrorBody("SlowDown", "Please reduce your request rate.")
		case status >= 500:
			return s3ErrorBody("InternalError", "We encountered an internal error. Please try again.")
		}
		return s3ErrorBody("InvalidRequest", http.StatusText(status))
	}
	if code == "" {
		switch {
		case status == http.StatusOK:
			return `{"data":{"systemActivity":null,"requestSecurityScanUpload":null,"versionControlResources":null}}`
		case status == http.StatusUnauthorized:
			code = "UNAUTHENTICATED"
		case status == http.StatusForbidden:
			code = "FORBIDDEN_IP"
		case status == http.StatusNotFound:
			return "<html><body>404 Not Found</body></html>"
		case status == http.StatusTooManyRequests:
			code = "RATE_LIMIT_EXCEEDED"
		case status >= 500:
			code = "INTERNAL"
		default:
			code = "BAD_USER_INPUT"
		}
	}
	msgs := map[string]string{
		"UNAUTHENTICATED":     "Unauthenticated: the bearer token is missing, invalid or expired",
		"UNAUTHORIZED":        "Unauthorized: access denied",
		"RATE_LIMIT_EXCEEDED": "Rate limit exceeded",
		"NOT_FOUND":           "Resource not found",
		"INTERNAL":            "Internal server error",
	}
	msg := msgs[code]
	if msg == "" {
		msg = "injected fault " + code
	}
	return `{"data":null,"errors":[{"message":"` + msg + `","extensions":{"code":"` + code + `"}}]}`
}
