package wiz

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TokenInfo is what the client learned from the current token.
type TokenInfo struct {
	DC        string    // the JWT's "dc" claim (data center), "" if the token is not a JWT
	ExpiresAt time.Time // from expires_in
}

// tokenCall is one token fetch shared by all callers that need a token
// while it runs.
type tokenCall struct {
	done chan struct{}
	tok  string
	exp  time.Time
	err  *Error
}

// Token returns a bearer token, minting one when none is cached or the
// cached one is close to expiry. Concurrent callers share one fetch.
func (c *Client) Token(ctx context.Context) (string, error) {
	tok, _, err := c.token(ctx)
	if err != nil {
		return "", err
	}
	return tok, nil
}

// TokenInfo returns the data center and expiry of the current token.
func (c *Client) TokenInfo(ctx context.Context) (TokenInfo, error) {
	tok, exp, err := c.token(ctx)
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{DC: jwtDC(tok), ExpiresAt: exp}, nil
}

func (c *Client) token(ctx context.Context) (string, time.Time, *Error) {
	c.tmu.Lock()
	if c.tok != "" && c.now().Before(c.renewAt) {
		tok, exp := c.tok, c.tokExp
		c.tmu.Unlock()
		return tok, exp, nil
	}
	call := c.inflight
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		c.inflight = call
		// Detached from this caller: other callers may be waiting on it,
		// and one caller giving up must not fail them all.
		go c.runTokenCall(context.WithoutCancel(ctx), call)
	}
	c.tmu.Unlock()
	select {
	case <-call.done:
		return call.tok, call.exp, call.err
	case <-ctx.Done():
		return "", time.Time{}, canceled("token", ctx.Err())
	}
}

func (c *Client) runTokenCall(ctx context.Context, call *tokenCall) {
	var tok string
	var lifetime time.Duration
	call.err = c.retry(ctx, "token", func(ctx context.Context) *Error {
		var e *Error
		tok, lifetime, e = c.fetchToken(ctx)
		return e
	})
	now := c.now()
	c.tmu.Lock()
	if call.err == nil {
		call.tok, call.exp = tok, now.Add(lifetime)
		c.tok, c.tokExp = tok, call.exp
		margin := min(time.Minute, lifetime/10)
		c.renewAt = call.exp.Add(-margin)
	}
	c.inflight = nil
	c.tmu.Unlock()
	close(call.done)
}

// invalidate drops the cached token if it is still tok, so the next call
// mints a new one.
func (c *Client) invalidate(tok string) {
	c.tmu.Lock()
	if c.tok == tok {
		c.tok = ""
	}
	c.tmu.Unlock()
}

type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
	TokenType   string          `json:"token_type"`
}

// fetchToken makes one token request. The response body is never quoted
// in errors: some identity providers echo the request, secret included.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, *Error) {
	if err := c.pace.wait(ctx); err != nil {
		return "", 0, canceled("token", err)
	}
	tok, ttl, e := c.fetchTokenPaced(ctx)
	c.pace.answered(e != nil && e.Kind == KindRateLimited)
	return tok, ttl, e
}

func (c *Client) fetchTokenPaced(ctx context.Context) (string, time.Duration, *Error) {
	limit := c.attemptTimeout(tokenAttemptTimeout)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"audience":      {c.audience},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.authURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &Error{Op: "token", Kind: KindConfig, Message: "building the token request: " + causeText(err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		cause := causeText(err)
		if ctx.Err() != nil {
			cause = "no answer within " + limit.String()
		}
		return "", 0, &Error{Op: "token", Kind: KindNetwork, Message: "contacting " + SafeURL(c.authURL) + ": " + cause,
			Hint: networkHint("the Wiz authentication URL", "WIZ_AUTH_URL"), err: stripURL(err), noRetry: permanentTransportError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		cause := causeText(err)
		if ctx.Err() != nil {
			cause = "timed out after " + limit.String()
		}
		return "", 0, &Error{Op: "token", Kind: KindNetwork, HTTPStatus: resp.StatusCode, Message: "reading the token response: " + cause, err: stripURL(err)}
	}
	if e := c.tokenStatusError(resp); e != nil {
		return "", 0, e
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, &Error{Op: "token", Kind: KindProtocol, HTTPStatus: resp.StatusCode,
			Message: "the token response carried no access_token",
			Hint:    "check the authentication URL — copy it from Wiz → User Settings → Tenant Info"}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, &Error{Op: "token", Kind: KindProtocol, HTTPStatus: resp.StatusCode,
			Message: "the token endpoint issued a " + oneLine(tr.TokenType, 40) + " token, not a Bearer token"}
	}
	return tr.AccessToken, expiresIn(tr.ExpiresIn), nil
}

func (c *Client) tokenStatusError(resp *http.Response) *Error {
	st := resp.StatusCode
	switch {
	case st == http.StatusOK:
		return nil
	case st == http.StatusBadRequest || st == http.StatusUnauthorized || st == http.StatusForbidden:
		hint := "check the client id and secret in Wiz → Settings → Service Accounts"
		if st == http.StatusBadRequest {
			hint += "; if they are right, check that the authentication URL belongs to your tenant (audience sent: " + c.audience + ")"
		}
		return &Error{Op: "token", Kind: KindBadCredentials, HTTPStatus: st,
			Message: "Wiz rejected the client id/secret (HTTP " + itoa(st) + ")", Hint: hint}
	case st == http.StatusNotFound || (st >= 300 && st < 400):
		return &Error{Op: "token", Kind: KindEndpoint, HTTPStatus: st,
			Message: "the authentication URL answered HTTP " + itoa(st),
			Hint:    "the authentication URL looks wrong — copy it from Wiz → User Settings → Tenant Info"}
	case st == http.StatusTooManyRequests:
		return &Error{Op: "token", Kind: KindRateLimited, HTTPStatus: st, Message: "the token endpoint is rate limiting us (HTTP 429)",
			retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
	case st >= 500:
		return &Error{Op: "token", Kind: KindServer, HTTPStatus: st, Message: "the token endpoint failed (HTTP " + itoa(st) + ")",
			retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
	default:
		return &Error{Op: "token", Kind: KindProtocol, HTTPStatus: st, Message: "unexpected HTTP " + itoa(st) + " from the token endpoint"}
	}
}

// expiresIn reads expires_in (number or numeric string); missing or
// nonsense means an hour.
func expiresIn(raw json.RawMessage) time.Duration {
	n := json.Number(strings.Trim(string(raw), `"`))
	if f, err := n.Float64(); err == nil && f >= 1 {
		return time.Duration(f * float64(time.Second))
	}
	return time.Hour
}

// jwtDC decodes the JWT payload (no signature check: it is only used to
// cross-check the configured endpoint) and returns its "dc" claim.
func jwtDC(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		DC string `json:"dc"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.DC
}
