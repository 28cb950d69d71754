package wiz

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says what went wrong, so callers can choose a reaction (ask for new
// credentials, request a fresh upload slot, wait and retry later …) without
// parsing messages.
type Kind int

// The kinds of failure the client reports.
const (
	KindUnknown          Kind = iota
	KindConfig                // a setting is missing or malformed
	KindBadCredentials        // the token endpoint rejected the client id/secret
	KindUnauthenticated       // the API rejected the bearer token even after a fresh one
	KindForbidden             // HTTP 403 from the API (permissions, IP allow-list)
	KindMissingScope          // the service account lacks a permission (Scope says which)
	KindEndpoint              // the URL looks wrong (404, redirect, not a GraphQL answer)
	KindRateLimited           // HTTP 429 / RATE_LIMIT_EXCEEDED after all retries
	KindServer                // 5xx / INTERNAL after all retries
	KindNetwork               // connection failed, reset or timed out after all retries
	KindNotFound              // NOT_FOUND (e.g. a system activity not registered yet)
	KindBadRequest            // BAD_USER_INPUT / HTTP 400 from the API
	KindProtocol              // an answer we could not understand
	KindUploadURLExpired      // S3 refused the presigned URL as expired/denied: ask for a new slot
	KindUploadRejected        // S3 refused the PUT for another reason
	KindTimeout               // the activity did not finish before the poll deadline
	KindCanceled              // the caller's context was cancelled
)

var kindNames = map[Kind]string{
	KindUnknown:          "unknown",
	KindConfig:           "config",
	KindBadCredentials:   "bad-credentials",
	KindUnauthenticated:  "unauthenticated",
	KindForbidden:        "forbidden",
	KindMissingScope:     "missing-scope",
	KindEndpoint:         "endpoint",
	KindRateLimited:      "rate-limited",
	KindServer:           "server",
	KindNetwork:          "network",
	KindNotFound:         "not-found",
	KindBadRequest:       "bad-request",
	KindProtocol:         "protocol",
	KindUploadURLExpired: "upload-url-expired",
	KindUploadRejected:   "upload-rejected",
	KindTimeout:          "timeout",
	KindCanceled:         "canceled",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is every error the client returns. Error() is one line without the
// hint; show Hint separately (see HintOf). Nothing in it carries a secret,
// a token or a presigned URL's query string.
type Error struct {
	Op         string // what we were doing: "token", "request upload", "upload file", …
	Kind       Kind
	Scope      string // the Wiz permission involved, when known
	HTTPStatus int    // 0 when no HTTP answer was involved
	Message    string
	Hint       string // what the user can do about it, or ""

	retryAfter time.Duration // server-requested wait before a retry
	noRetry    bool          // already retried at a lower level
	err        error         // cause, already free of URLs
}

func (e *Error) Error() string {
	if e.Op == "" {
		return e.Message
	}
	return e.Op + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrNotFound) (and the other sentinels) match any
// *Error of the same Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Message == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrNotFound         = &Error{Kind: KindNotFound}
	ErrMissingScope     = &Error{Kind: KindMissingScope}
	ErrBadCredentials   = &Error{Kind: KindBadCredentials}
	ErrUploadURLExpired = &Error{Kind: KindUploadURLExpired}
	ErrTimeout          = &Error{Kind: KindTimeout}
)

// KindOf returns the Kind of err, or KindUnknown when err is not ours.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// HintOf returns the hint of err, or "".
func HintOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// SafeURL reduces a URL to scheme://host/path for messages and logs: a
// presigned URL's query holds a credential (X-Amz-Signature).
func SafeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(unparseable URL)"
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// causeText describes a transport error without the URL that net/http puts
// into *url.Error (the URL may be presigned).
func causeText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return oneLine(err.Error(), 200)
}

// stripURL removes *url.Error wrapping so an unwrapped cause cannot leak
// the request URL either.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// oneLine folds whitespace and caps the length of server-provided text.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		for max > 0 && !utf8.RuneStart(s[max]) {
			max--
		}
		s = s[:max] + "…"
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
