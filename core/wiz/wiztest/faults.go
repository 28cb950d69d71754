package wiztest

import (
	"io"
	"net/http"
	"strconv"
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
	// Truncate answers 200 with a Content-Length longer than the body sent.
	Truncate bool
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
// be served normally (a pure Delay).
func (s *Server) applyFault(w http.ResponseWriter, raw http.ResponseWriter, r *http.Request, op string, f *Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
	}
	if op == "put" {
		// Read the upload so the client sees our answer, not a broken pipe.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxUpload))
	}
	switch {
	case f.Reset:
		if rec, ok := w.(*statusRecorder); ok {
			rec.status = 0 // no answer was sent
		}
		if conn, _, err := http.NewResponseController(raw).Hijack(); err == nil {
			conn.Close()
		}
		return true
	case f.Truncate:
		body := s.faultBody(op, http.StatusOK, "")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+100))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body[:len(body)/2])
		return true
	case f.Status != 0:
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
		setFaultContentType(w, op)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, s.faultBody(op, http.StatusOK, f.GraphQLCode))
		return true
	case f.Body != "":
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, f.Body)
		return true
	}
	return false
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
