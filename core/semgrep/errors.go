package semgrep

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind classifies an APIError so callers can react (and hint) without
// parsing messages.
type ErrorKind int

const (
	KindUnknown      ErrorKind = iota
	KindUnauthorized           // 401/403: token rejected
	KindNotFound               // 404: no Web API scope, or wrong deployment/slug
	KindRateLimited            // 429
	KindServer                 // 5xx
	KindTransport              // timeouts, resets, truncated bodies
	KindBadResponse            // not the JSON expected (HTML error page, malformed JSON)
	KindRequest                // other 4xx: the request itself was refused
)

func (k ErrorKind) String() string {
	switch k {
	case KindUnauthorized:
		return "unauthorized"
	case KindNotFound:
		return "not found"
	case KindRateLimited:
		return "rate limited"
	case KindServer:
		return "server error"
	case KindTransport:
		return "transport error"
	case KindBadResponse:
		return "bad response"
	case KindRequest:
		return "request refused"
	}
	return "unknown"
}

// APIError is every error the client returns for a failed call, except a
// cancelled context (returned as the context's error, wrapped). It never
// contains the token.
type APIError struct {
	Op      string // what was being done, e.g. "listing findings"
	Status  int    // HTTP status; 0 when no response arrived
	Kind    ErrorKind
	Message string // one line, says what went wrong and what to do

	retryable bool
	err       error // underlying cause (transport errors), for errors.Is
}

func (e *APIError) Error() string {
	msg := e.Message
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Op == "" {
		return "semgrep: " + msg
	}
	return "semgrep: " + e.Op + ": " + msg
}

func (e *APIError) Unwrap() error { return e.err }

// Retryable reports whether repeating the request may succeed.
func (e *APIError) Retryable() bool { return e.retryable }

// Hint says what an administrator should do about err, or "" when there
// is nothing specific to say.
func Hint(err error) string {
	var ae *APIError
	if !errors.As(err, &ae) {
		return ""
	}
	switch ae.Kind {
	case KindUnauthorized:
		return "create an API token with Web API access in Semgrep under Settings → Tokens and set it as SEMGREP_APP_TOKEN"
	case KindNotFound:
		return "Semgrep answers 404 to tokens without the Web API scope: create an API token with Web API ticked (CLI tokens cannot call the API), and check SEMGREP_DEPLOYMENT"
	case KindRateLimited:
		return "Semgrep is rate limiting this token: wait a few minutes and try again"
	case KindServer:
		return "Semgrep's API is having trouble: try again later"
	case KindTransport:
		return "check network access to the Semgrep API (proxy, firewall) and SEMGREP_API_URL"
	case KindBadResponse:
		return "check that SEMGREP_API_URL points at the Semgrep API (https://semgrep.dev/api/v1) and not at a proxy or login page"
	case KindRequest:
		return "the request was refused; check the filters in the configuration"
	}
	return ""
}

// statusError classifies a non-2xx response. detail is the server's own
// one-line error text (already scrubbed) or "".
func statusError(op string, status int, detail string) *APIError {
	e := &APIError{Op: op, Status: status}
	switch {
	case status == 401:
		e.Kind = KindUnauthorized
		e.Message = "the Semgrep token was rejected — create an API token with Web API access under Settings → Tokens"
	case status == 403:
		e.Kind = KindUnauthorized
		e.Message = "the Semgrep token is not allowed to do this — use an API token with Web API access (Settings → Tokens)"
	case status == 404:
		e.Kind = KindNotFound
		e.Message = "not found: the token lacks the Web API scope, or the deployment/slug is wrong"
	case status == 429:
		e.Kind = KindRateLimited
		e.Message = "rate limited by Semgrep"
		e.retryable = true
	case status >= 500:
		e.Kind = KindServer
		e.Message = "Semgrep server error"
		switch status {
		case 500, 502, 503, 504:
			e.retryable = true
		}
	default:
		e.Kind = KindRequest
		e.Message = "request refused"
	}
	if detail != "" && status != 401 && status != 404 {
		e.Message += ": " + detail
	}
	return e
}

// oneLine folds a server-provided text into one short line.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, max)
}
