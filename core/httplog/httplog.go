// Package httplog is an http.RoundTripper that writes one debug line per
// request: method, scheme://host/path, status, duration, bytes and the
// request headers. It never writes a query string (a presigned upload
// URL's query is a credential), a body, or the value of a credential
// header such as Authorization.
package httplog

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Redacted replaces every credential value.
const Redacted = "[redacted]"

// Transport logs each request made through Base to Logger at debug level.
type Transport struct {
	Base   http.RoundTripper // nil → http.DefaultTransport
	Logger *slog.Logger      // nil → nothing is logged
}

// New wraps base so that its requests are logged to logger.
func New(base http.RoundTripper, logger *slog.Logger) *Transport {
	return &Transport{Base: base, Logger: logger}
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// RoundTrip sends req and logs it once its answer has been read (or the
// request failed), so the line carries the bytes received and the full
// duration.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Logger == nil {
		return t.base().RoundTrip(req)
	}
	start := time.Now()
	line := &entry{t: t, req: req, start: start}
	out := req
	if req.Body != nil && req.Body != http.NoBody {
		// A shallow copy: a RoundTripper must not modify the caller's request.
		r2 := *req
		r2.Body = &countingBody{ReadCloser: req.Body, n: &line.sent}
		out = &r2
	}
	resp, err := t.base().RoundTrip(out)
	if err != nil {
		line.log(0, "", err)
		return nil, err
	}
	line.status, line.contentType = resp.StatusCode, resp.Header.Get("Content-Type")
	resp.Body = &loggedBody{ReadCloser: resp.Body, e: line}
	return resp, nil
}

// entry is one request's line, written once.
type entry struct {
	t           *Transport
	req         *http.Request
	start       time.Time
	sent        atomic.Int64 // written by the transport's goroutine
	received    atomic.Int64
	status      int
	contentType string
	once        sync.Once
}

func (e *entry) log(status int, contentType string, err error) {
	e.once.Do(func() {
		attrs := []slog.Attr{
			slog.String("method", e.req.Method),
			slog.String("url", URL(e.req.URL)),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(time.Since(e.start).Microseconds())/1000),
			slog.Int64("bytes_sent", e.sent.Load()),
			slog.Int64("bytes_received", e.received.Load()),
			slog.Any("headers", Headers(e.req.Header)),
		}
		if contentType != "" {
			attrs = append(attrs, slog.String("content_type", contentType))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", scrub(err.Error(), e.req.URL)))
		}
		e.t.Logger.LogAttrs(context.Background(), slog.LevelDebug, "http request", attrs...)
	})
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// loggedBody counts what the caller reads and writes the line at the end
// of the body or when it is closed, whichever comes first.
type loggedBody struct {
	io.ReadCloser
	e *entry
}

func (b *loggedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.e.received.Add(int64(n))
	switch {
	case err == io.EOF:
		b.e.log(b.e.status, b.e.contentType, nil)
	case err != nil:
		b.e.log(b.e.status, b.e.contentType, err)
	}
	return n, err
}

func (b *loggedBody) Close() error {
	err := b.ReadCloser.Close()
	b.e.log(b.e.status, b.e.contentType, nil)
	return err
}

// URL is u as scheme://host/path: no user info, query or fragment.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// Headers returns h with one string per name (values joined by ", ") and
// the value of every credential header replaced by Redacted.
func Headers(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, vals := range h {
		v := strings.Join(vals, ", ")
		if sensitiveName(name) {
			v = Redacted
		}
		out[name] = v
	}
	return out
}

// RedactQuery returns a raw query with the value of every credential
// parameter (X-Amz-Signature, X-Amz-Credential, Signature, tokens …)
// replaced by Redacted; everything else stays byte for byte.
func RedactQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	parts := strings.Split(rawQuery, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && sensitiveName(name) {
			parts[i] = k + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// Exact names of credential headers and query parameters (lower case);
// sensitiveWords catches the rest by substring.
var (
	sensitiveNames = map[string]bool{
		"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
		"signature": true, "sig": true, "policy": true, "key-pair-id": true, "googleaccessid": true,
		"x-api-key": true, "apikey": true, "api_key": true, "code": true,
	}
	sensitiveWords = []string{"signature", "credential", "token", "secret", "password", "auth"}
)

func sensitiveName(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if sensitiveNames[n] {
		return true
	}
	for _, w := range sensitiveWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// scrub removes u's query from an error text, in case a lower layer put
// the whole URL into it.
func scrub(text string, u *url.URL) string {
	if u == nil || u.RawQuery == "" {
		return text
	}
	return strings.ReplaceAll(text, u.RawQuery, RedactQuery(u.RawQuery))
}
