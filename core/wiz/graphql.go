package wiz

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"

	graphql "github.com/hasura/go-graphql-client"
)

// operation is one GraphQL call: its text, the scope it needs (named in a
// missing-permission error) and the Op name for errors.
type operation struct {
	op    string
	name  string
	scope string
	query string
}

// Scopes the service account needs.
const (
	ScopeIngestion  = "create:external_data_ingestion"
	ScopeActivities = "read:system_activities"
	ScopeResources  = "read:resources"
)

// httpStatusError is what statusDoer returns for any answer other than
// 200/201, so the status and Retry-After survive the library's wrapping.
type httpStatusError struct {
	status     int
	retryAfter string
	body       []byte // parsed for a GraphQL error code, never quoted
}

func (e *httpStatusError) Error() string { return "HTTP " + itoa(e.status) }

// statusDoer turns non-success HTTP answers into errors we can classify.
type statusDoer struct{ hc *http.Client }

func (d statusDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return nil, &httpStatusError{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: body}
}

// exec runs op and decodes its data into out. It mints tokens as needed,
// retries once with a fresh token when the API rejects the token, and
// retries transient failures with backoff.
func (c *Client) exec(ctx context.Context, op operation, vars map[string]any, out any) error {
	refreshed := false
	var data []byte
	e := c.retry(ctx, op.op, func(ctx context.Context) *Error {
		for {
			tok, _, terr := c.token(ctx)
			if terr != nil {
				// The token fetch did its own retries; do not multiply them.
				final := *terr
				final.noRetry = true
				return &final
			}
			var e *Error
			data, e = c.execOnce(ctx, tok, op, vars)
			if e != nil && e.Kind == KindUnauthenticated && !refreshed {
				refreshed = true
				c.invalidate(tok)
				continue
			}
			return e
		}
	})
	if e != nil {
		return e
	}
	if out == nil {
		return nil
	}
	if len(data) == 0 || string(data) == "null" {
		return &Error{Op: op.op, Kind: KindProtocol, Message: "the API answered without data"}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &Error{Op: op.op, Kind: KindProtocol, Message: "decoding the API answer: " + oneLine(err.Error(), 200)}
	}
	return nil
}

func (c *Client) execOnce(ctx context.Context, tok string, op operation, vars map[string]any) ([]byte, *Error) {
	if err := c.pace.wait(ctx); err != nil {
		return nil, canceled(op.op, err)
	}
	data, e := c.execPaced(ctx, tok, op, vars)
	c.pace.answered(e != nil && e.Kind == KindRateLimited)
	return data, e
}

func (c *Client) execPaced(ctx context.Context, tok string, op operation, vars map[string]any) ([]byte, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.attemptTimeout(graphqlAttemptTimeout))
	defer cancel()
	gc := c.gql.WithRequestModifier(func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("User-Agent", c.cfg.UserAgent)
		r.Header.Set("Accept", "application/json")
	})
	data, err := gc.ExecRaw(actx, op.query, vars, graphql.OperationName(op.name))
	if err == nil {
		return data, nil
	}
	if ctx.Err() != nil {
		return nil, canceled(op.op, ctx.Err())
	}
	e := c.classify(op, err)
	if e.Kind == KindUnauthenticated {
		e.Hint = c.rejectedTokenHint(tok)
	}
	return data, e
}

// sameTenantHint is the fix for a rejected token when nothing better is known.
const sameTenantHint = "check that the authentication URL and the API endpoint belong to the same Wiz tenant"

// rejectedTokenHint is the fix for the API refusing a token its
// authentication URL has just issued. That most often means the endpoint
// belongs to another data center than the tenant, and the token's "dc"
// claim names the right one, so the hint gives the URL to use.
func (c *Client) rejectedTokenHint(tok string) string {
	dc := strings.ToLower(jwtDC(tok))
	if dc == "" {
		return sameTenantHint
	}
	epDC, tld, ok := wizHost(c.endpoint)
	if ok && strings.EqualFold(epDC, dc) {
		return sameTenantHint // the data center matches: something else is wrong
	}
	if !ok {
		// Not a Wiz host (a proxy, a test): Wiz for Government tenants
		// authenticate at wiz.us, everyone else at wiz.io.
		tld = "io"
		if strings.HasSuffix(strings.ToLower(hostOf(c.authURL)), ".wiz.us") {
			tld = "us"
		}
	}
	return fmt.Sprintf("the API endpoint is wrong for this tenant: its token is for data center %s — use https://api.%s.app.wiz.%s/graphql", dc, dc, tld)
}

// classify maps a failed call onto an *Error.
func (c *Client) classify(op operation, err error) *Error {
	var hs *httpStatusError
	if errors.As(err, &hs) {
		return c.classifyHTTP(op, hs)
	}
	var gerrs graphql.Errors
	if errors.As(err, &gerrs) {
		return c.classifyGraphQL(op, gerrs, true)
	}
	return networkError(op.op, err)
}

func networkError(op string, err error) *Error {
	msg := causeText(err)
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "the request timed out"
	}
	return &Error{Op: op, Kind: KindNetwork, Message: "contacting Wiz: " + msg, Hint: networkHint("the Wiz API endpoint", "WIZ_API_ENDPOINT"), err: stripURL(err), noRetry: permanentTransportError(err)}
}

// networkHint is the fix for a transport failure.
func networkHint(what, setting string) string {
	return "check network access to " + what + " (proxy settings such as HTTPS_PROXY, firewall) and " + setting
}

// permanentTransportError reports failures that retrying cannot cure: a DNS answer that
// the name does not exist, or a certificate that is not trusted.
func permanentTransportError(err error) bool {
	var dns *net.DNSError
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	return errors.As(err, &dns) && dns.IsNotFound ||
		errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie)
}

func endpointHint() string {
	return "the API endpoint URL looks wrong — copy it from Wiz → User Settings → Tenant Info"
}

func (c *Client) classifyHTTP(op operation, hs *httpStatusError) *Error {
	st := hs.status
	e := &Error{Op: op.op, HTTPStatus: st}
	// A 4xx body may still carry a GraphQL error with a precise code.
	var body struct {
		Errors graphql.Errors `json:"errors"`
	}
	if json.Unmarshal(hs.body, &body) == nil && len(body.Errors) > 0 && st != http.StatusUnauthorized {
		if ge := c.classifyGraphQL(op, body.Errors, false); ge.Kind != KindProtocol {
			ge.HTTPStatus = st
			if ge.Kind == KindRateLimited || ge.Kind == KindServer {
				ge.retryAfter = parseRetryAfter(hs.retryAfter, c.now())
			}
			return ge
		}
	}
	switch {
	case st == http.StatusUnauthorized:
		e.Kind, e.Message = KindUnauthenticated, "Wiz rejected the access token (HTTP 401)"
		e.Hint = sameTenantHint
	case st == http.StatusForbidden:
		e.Kind, e.Scope = KindForbidden, op.scope
		e.Message = "Wiz refused the request (HTTP 403)"
		e.Hint = "check the service account's permissions (" + op.scope + ") and any IP allow-list in Wiz"
	case st == http.StatusNotFound || (st >= 300 && st < 400):
		e.Kind, e.Message, e.Hint = KindEndpoint, "the API endpoint answered HTTP "+itoa(st), endpointHint()
	case st == http.StatusTooManyRequests:
		e.Kind, e.Message = KindRateLimited, "Wiz is rate limiting us (HTTP 429)"
		e.retryAfter = parseRetryAfter(hs.retryAfter, c.now())
		e.Hint = "other integrations share the tenant's API budget; try again later"
	case st >= 500:
		e.Kind, e.Message = KindServer, "the Wiz API failed (HTTP "+itoa(st)+")"
		e.retryAfter = parseRetryAfter(hs.retryAfter, c.now())
	case st == http.StatusBadRequest:
		e.Kind, e.Message = KindBadRequest, "the Wiz API rejected the request (HTTP 400)"
	default:
		e.Kind, e.Message = KindProtocol, "unexpected HTTP "+itoa(st)+" from the Wiz API"
	}
	return e
}

var missingPermRe = regexp.MustCompile(`(?i)missing permissions?:?\s+([A-Za-z0-9_\-]+:[A-Za-z0-9_:\-]+)`)

// classifyGraphQL maps the errors[] of an answer onto an *Error; with
// fromLibrary it also understands the library's own transport and decode
// errors. The first error with a code we know decides.
func (c *Client) classifyGraphQL(op operation, errs graphql.Errors, fromLibrary bool) *Error {
	for _, ge := range errs {
		code, _ := ge.Extensions["code"].(string)
		msg := oneLine(ge.Message, 300)
		if fromLibrary {
			switch code {
			case graphql.ErrRequestError:
				if cause := ge.Unwrap(); cause != nil {
					var hs *httpStatusError
					if errors.As(cause, &hs) {
						return c.classifyHTTP(op, hs)
					}
					return networkError(op.op, cause)
				}
				return &Error{Op: op.op, Kind: KindNetwork, Message: "contacting Wiz failed"}
			case graphql.ErrJsonDecode:
				if cause := ge.Unwrap(); cause != nil && isTransportCut(cause) {
					return networkError(op.op, cause)
				}
				return &Error{Op: op.op, Kind: KindEndpoint, Message: "the API endpoint did not answer with GraphQL JSON", Hint: endpointHint()}
			}
		}
		switch strings.ToUpper(code) {
		case "UNAUTHENTICATED":
			return &Error{Op: op.op, Kind: KindUnauthenticated, Message: "Wiz rejected the access token: " + msg,
				Hint: sameTenantHint}
		case "UNAUTHORIZED", "FORBIDDEN":
			return missingScope(op, msg)
		case "FORBIDDEN_IP":
			return &Error{Op: op.op, Kind: KindForbidden, Scope: op.scope, Message: "Wiz refused the request from this IP address: " + msg,
				Hint: "ask a Wiz admin to allow this machine's address for the service account"}
		case "RATE_LIMIT_EXCEEDED":
			return &Error{Op: op.op, Kind: KindRateLimited, Message: "Wiz is rate limiting us: " + msg,
				Hint: "other integrations share the tenant's API budget; try again later"}
		case "NOT_FOUND":
			return &Error{Op: op.op, Kind: KindNotFound, Message: "not found: " + msg}
		case "INTERNAL", "INTERNAL_SERVER_ERROR":
			return &Error{Op: op.op, Kind: KindServer, Message: "the Wiz API failed: " + msg}
		case "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED":
			return &Error{Op: op.op, Kind: KindBadRequest, Message: "the Wiz API rejected the request: " + msg}
		}
		if strings.Contains(strings.ToLower(ge.Message), "access denied") {
			return missingScope(op, msg)
		}
	}
	msg := "the Wiz API answered with an error"
	if len(errs) > 0 {
		msg += ": " + oneLine(errs[0].Message, 300)
	}
	return &Error{Op: op.op, Kind: KindProtocol, Message: msg}
}

func missingScope(op operation, msg string) *Error {
	scope := op.scope
	if m := missingPermRe.FindStringSubmatch(msg); m != nil {
		scope = strings.TrimRight(m[1], ",.;")
	}
	return &Error{Op: op.op, Kind: KindMissingScope, Scope: scope,
		Message: "the service account lacks the " + scope + " permission",
		Hint:    "add " + scope + " to the service account in Wiz → Settings → Service Accounts"}
}

// isTransportCut tells a body cut short (worth a retry) from a body that is
// not JSON at all (a wrong URL).
func isTransportCut(err error) bool {
	var ne net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &ne)
}
