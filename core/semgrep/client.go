// Package semgrep reads Semgrep Code findings into finding.Finding values,
// from the Semgrep AppSec Platform web API (Client) or from files written
// by `semgrep scan --json` / `--sarif` (ReadFile, Read).
package semgrep

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultBaseURL is the Semgrep web API base.
const DefaultBaseURL = "https://semgrep.dev/api/v1"

// maxResponse bounds one response body; a 3000-finding page is a few MB.
const maxResponse = 256 << 20

// Options configure a Client. Zero values take the documented defaults.
type Options struct {
	BaseURL    string        // default DefaultBaseURL; a trailing slash is fine
	Token      string        // Semgrep API token with Web API scope
	HTTPClient *http.Client  // nil → a client with a 60 s timeout
	UserAgent  string        // sent on every request
	MaxRetries int           // retries after the first attempt; 0 → 4, negative → none
	RetryBase  time.Duration // first back-off step; 0 → 500 ms (tests set it small)
	// RequestTimeout bounds each attempt, reading the answer included,
	// whatever HTTPClient does (a shared client may bound only the phases
	// before the body); 0 → 60 s. A timed-out attempt is retried.
	RequestTimeout time.Duration
	// MaxConcurrency is the most requests in flight at once over every
	// goroutine using the Client; 0 → DefaultMaxConcurrency, negative or 1
	// → one at a time. The Client halves its own limit when Semgrep
	// answers 429, 500/502/503/504 or times out, and raises it again, one
	// at a time, after runs of successes; a 429's Retry-After holds back
	// all its requests.
	MaxConcurrency int
}

// Client calls the Semgrep web API. It is safe for concurrent use.
type Client struct {
	base       string
	web        string
	token      string
	hc         *http.Client
	ua         string
	maxRetries int
	retryBase  time.Duration
	timeout    time.Duration
	lim        *limiter
	// ahead bounds the pages fetched ahead of their delivery over every
	// walk of the Client (half as many as requests in flight): read-ahead
	// keeps requests busy, and pages waiting beyond that would only hold
	// memory (measured in core/PERFORMANCE.md).
	ahead chan struct{}
}

// New returns a Client for o.
func New(o Options) *Client {
	c := &Client{
		base:       strings.TrimRight(strings.TrimSpace(o.BaseURL), "/"),
		token:      strings.TrimSpace(o.Token),
		hc:         o.HTTPClient,
		ua:         o.UserAgent,
		maxRetries: o.MaxRetries,
		retryBase:  o.RetryBase,
		timeout:    o.RequestTimeout,
		lim:        newLimiter(o.MaxConcurrency),
		ahead:      make(chan struct{}, max(1, maxConcurrency(o.MaxConcurrency)/2)),
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	c.web = WebBase(c.base)
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 60 * time.Second}
	}
	if c.ua == "" {
		c.ua = "semgrep-wiz"
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = 4
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.retryBase <= 0 {
		c.retryBase = 500 * time.Millisecond
	}
	if c.timeout <= 0 {
		c.timeout = 60 * time.Second
	}
	return c
}

// BaseURL is the API base in use, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// Limit is how many requests the Client lets be in flight at once now:
// Options.MaxConcurrency, or less after Semgrep asked it to slow down.
func (c *Client) Limit() int { return c.lim.current() }

// WebBase derives the web UI base from an API base by stripping "/api/v1"
// (https://semgrep.dev/api/v1 → https://semgrep.dev).
func WebBase(apiBase string) string {
	b := strings.TrimRight(strings.TrimSpace(apiBase), "/")
	b = strings.TrimSuffix(b, "/v1")
	b = strings.TrimSuffix(b, "/api")
	return b
}

// Deployments lists the deployments the token can see (normally one).
func (c *Client) Deployments(ctx context.Context) ([]Deployment, error) {
	const op = "listing deployments"
	var resp struct {
		Deployments *[]wireDeployment `json:"deployments"`
	}
	err := c.get(ctx, op, "/deployments", nil, func(b []byte, ct string) error {
		if err := decodeJSON(op, b, ct, `an object with a "deployments" array`, &resp); err != nil {
			return err
		}
		if resp.Deployments == nil {
			return badResponse(op, `expected an object with a "deployments" array`)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Deployment, 0, len(*resp.Deployments))
	for _, d := range *resp.Deployments {
		out = append(out, Deployment{ID: int64(d.ID), Slug: d.Slug, Name: d.Name})
	}
	return out, nil
}

// Deployment picks the deployment with this slug. With slug "" and exactly
// one deployment visible, that one is returned. Otherwise the error names
// the slug and lists the slugs available.
func (c *Client) Deployment(ctx context.Context, slug string) (Deployment, error) {
	ds, err := c.Deployments(ctx)
	if err != nil {
		return Deployment{}, err
	}
	return pickDeployment(ds, slug)
}

func pickDeployment(ds []Deployment, slug string) (Deployment, error) {
	slug = strings.TrimSpace(slug)
	const op = "choosing deployment"
	if len(ds) == 0 {
		return Deployment{}, &APIError{Op: op, Kind: KindNotFound, Message: "the token can see no deployment"}
	}
	if slug == "" {
		if len(ds) == 1 {
			return ds[0], nil
		}
		return Deployment{}, &APIError{Op: op, Kind: KindNotFound,
			Message: "the token can see several deployments; set the deployment slug to one of: " + slugList(ds)}
	}
	for _, d := range ds {
		if d.Slug == slug {
			return d, nil
		}
	}
	for _, d := range ds {
		if strings.EqualFold(d.Slug, slug) {
			return d, nil
		}
	}
	return Deployment{}, &APIError{Op: op, Kind: KindNotFound,
		Message: fmt.Sprintf("deployment %q not found; the token can see: %s", slug, slugList(ds))}
}

func slugList(ds []Deployment) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Slug
	}
	return strings.Join(s, ", ")
}

const projectsPageSize = 100

// Projects lists the deployment's projects (archived ones are not
// returned by Semgrep). Pages are numbered from 0; paging stops on a short
// or empty page, or when a page brings nothing new (a server that ignores
// "page" would otherwise be read forever).
func (c *Client) Projects(ctx context.Context, slug string) ([]Project, error) {
	const op = "listing projects"
	path := "/deployments/" + url.PathEscape(slug) + "/projects"
	var out []Project
	seen := map[int64]bool{}
	for page := 0; ; page++ {
		q := url.Values{}
		q.Set("page", fmt.Sprint(page))
		q.Set("page_size", fmt.Sprint(projectsPageSize))
		var resp struct {
			Projects *[]wireProject `json:"projects"`
		}
		err := c.get(ctx, op, path, q, func(b []byte, ct string) error {
			if err := decodeJSON(op, b, ct, `an object with a "projects" array`, &resp); err != nil {
				return err
			}
			if resp.Projects == nil {
				return badResponse(op, `expected an object with a "projects" array`)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, p := range *resp.Projects {
			if seen[int64(p.ID)] {
				continue
			}
			seen[int64(p.ID)] = true
			fresh++
			out = append(out, Project{
				ID: int64(p.ID), Name: p.Name, URL: p.URL,
				DefaultBranch: p.DefaultBranch, PrimaryBranch: p.PrimaryBranch,
				LatestScanAt: p.LatestScanAt.Time, Tags: []string(p.Tags),
			})
		}
		if len(*resp.Projects) < projectsPageSize || fresh == 0 {
			return out, nil
		}
	}
}

const scansLimit = 500

// SearchScans lists scans of the past 30 days (Semgrep keeps no older
// ones here) matching q, following the cursor to the end.
func (c *Client) SearchScans(ctx context.Context, deploymentID int64, q ScanQuery) ([]Scan, error) {
	const op = "searching scans"
	path := fmt.Sprintf("/deployments/%d/scans/search", deploymentID)
	body := map[string]any{"limit": scansLimit}
	if q.RepositoryID != 0 {
		body["repository_id"] = q.RepositoryID
	}
	if q.Branch != "" {
		body["branch"] = q.Branch
	}
	if q.IsFullScan != nil {
		body["is_full_scan"] = *q.IsFullScan
	}
	if !q.Since.IsZero() {
		body["since"] = q.Since.UTC().Format(time.RFC3339)
	}
	if len(q.Statuses) > 0 {
		st := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			s = strings.ToUpper(strings.TrimSpace(s))
			if !strings.HasPrefix(s, "SCAN_STATUS_") {
				s = "SCAN_STATUS_" + s
			}
			st[i] = s
		}
		body["statuses"] = st
	}
	var out []Scan
	seenCursor := map[string]bool{}
	for {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s: encoding request: %w", op, err)
		}
		var resp struct {
			Scans  *[]wireScan `json:"scans"`
			Cursor string      `json:"cursor"`
		}
		err = c.do(ctx, op, http.MethodPost, path, nil, raw, func(b []byte, ct string) error {
			if err := decodeJSON(op, b, ct, `an object with a "scans" array`, &resp); err != nil {
				return err
			}
			if resp.Scans == nil {
				return badResponse(op, `expected an object with a "scans" array`)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, s := range *resp.Scans {
			out = append(out, Scan{
				ID: int64(s.ID), RepositoryID: int64(s.RepositoryID),
				Branch: s.Branch, Commit: s.Commit, IsFullScan: bool(s.IsFullScan),
				Status: s.Status, StartedAt: s.StartedAt.Time, CompletedAt: s.CompletedAt.Time,
				ExitCode: int(s.ExitCode),
			})
		}
		// A repeated cursor would loop forever; stop there.
		if resp.Cursor == "" || len(*resp.Scans) == 0 || seenCursor[resp.Cursor] {
			return out, nil
		}
		seenCursor[resp.Cursor] = true
		body["cursor"] = resp.Cursor
	}
}

// --- plumbing --------------------------------------------------------------

// handleFunc consumes a 2xx body; it returns an *APIError for bodies that
// are not what was expected.
type handleFunc func(body []byte, contentType string) error

// streamFunc consumes a 2xx body as it arrives; it returns what reading r
// failed with as it is (the call words it) and an *APIError for bodies
// that are not what was expected.
type streamFunc func(r io.Reader, contentType string) error

func (c *Client) get(ctx context.Context, op, path string, q url.Values, h handleFunc) error {
	return c.do(ctx, op, http.MethodGet, path, q, nil, h)
}

// getStream is get for a body decoded as it is read (a findings page):
// nothing holds the body whole. The request's slot is held until the body
// is read, decoding included.
func (c *Client) getStream(ctx context.Context, op, path string, q url.Values, h streamFunc) error {
	return c.call(ctx, op, http.MethodGet, path, q, nil, nil, h)
}

// do makes one API call, with retries, and hands a 2xx body to h.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, body []byte, h handleFunc) error {
	return c.call(ctx, op, method, path, q, body, h, nil)
}

// call is do with the 2xx body handed either whole to h or as a stream to
// hs.
func (c *Client) call(ctx context.Context, op, method, path string, q url.Values, body []byte, h handleFunc, hs streamFunc) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return c.retry(ctx, func(ctx context.Context) (time.Duration, error) {
		// A slot is held for the request and reading its answer (and, for a
		// stream, decoding it as it arrives), not for decoding a whole body
		// nor for the back-off before a retry.
		epoch, err := c.lim.acquire(ctx)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", op, err)
		}
		load, pause, released := verdictNone, time.Duration(0), false
		release := func() {
			if !released {
				released = true
				c.lim.release(epoch, load, pause)
			}
		}
		defer release()

		// The attempt's own deadline; ctx stays the caller's, so a
		// cancellation is told apart from a timeout.
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(actx, method, u, rd)
		if err != nil {
			// Only a malformed base URL gets here; the URL holds no secret.
			return 0, &APIError{Op: op, Kind: KindRequest, Message: "invalid Semgrep API URL " + c.base}
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.ua)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("%s: %w", op, ctx.Err())
			}
			if actx.Err() != nil || isTimeout(err) {
				load = verdictOverload
			}
			return 0, transportError(op, req.URL.Host, err)
		}
		defer resp.Body.Close()
		// A read that failed or ran out of time: retried, as the server
		// may answer whole the next time.
		cutOff := func(rerr error) (time.Duration, error) {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("%s: %w", op, ctx.Err())
			}
			msg := "the response was cut off (" + oneLine(rerr.Error(), 120) + ")"
			if actx.Err() != nil {
				msg = fmt.Sprintf("timed out after %s reading the response from %s", c.timeout, req.URL.Host)
				load = verdictOverload
			}
			return 0, &APIError{Op: op, Status: resp.StatusCode, Kind: KindTransport,
				Message: msg, retryable: true, err: rerr}
		}
		tooLarge := &APIError{Op: op, Status: resp.StatusCode, Kind: KindBadResponse,
			Message: fmt.Sprintf("response larger than %d MiB", maxResponse>>20)}
		handled := func(err error) (time.Duration, error) {
			if err != nil {
				var ae *APIError
				if errors.As(err, &ae) && ae.Status == 0 {
					ae.Status = resp.StatusCode
				}
				return 0, err
			}
			return 0, nil
		}
		if hs != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			cr := &countedBody{r: io.LimitReader(resp.Body, maxResponse+1)}
			err := hs(cr, resp.Header.Get("Content-Type"))
			switch {
			case cr.err != nil:
				return cutOff(cr.err)
			case cr.n > maxResponse:
				return 0, tooLarge
			}
			load = verdictOK
			release()
			return handled(err)
		}
		data, rerr := readBody(resp)
		// Every use of data below (h, errorDetail) copies what it keeps.
		defer putBody(data)
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			ra, _ := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			switch resp.StatusCode {
			case http.StatusTooManyRequests:
				load, pause = verdictOverload, ra
			case 500, 502, 503, 504:
				load = verdictOverload
			}
			return ra, statusError(op, resp.StatusCode, c.errorDetail(data, resp.Header.Get("Content-Type")))
		}
		if rerr != nil {
			return cutOff(rerr)
		}
		load = verdictOK
		release()
		if len(data) > maxResponse {
			return 0, tooLarge
		}
		return handled(h(data, resp.Header.Get("Content-Type")))
	})
}

// countedBody counts what is read of a streamed body and keeps the error
// a read failed with (not the end of the body).
type countedBody struct {
	r   io.Reader
	n   int64
	err error
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// readBody reads a response body up to maxResponse+1 bytes, into a buffer
// from bodyBuffers, grown to Content-Length when the server sent one (a
// large body grown step by step is copied and cleared again and again).
// The caller gives the buffer back with
// putBody once nothing refers to the body any more.
func readBody(resp *http.Response) ([]byte, error) {
	r := io.LimitReader(resp.Body, maxResponse+1)
	b := getBody()
	if n := resp.ContentLength; n > 0 && n <= maxResponse && int64(cap(b)) < n+bytes.MinRead {
		// MinRead spare: ReadFrom grows a buffer with less room before its
		// last read, the one that finds the end.
		putBody(b)
		b = make([]byte, 0, n+bytes.MinRead)
	}
	buf := bytes.NewBuffer(b)
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// bodyBuffers keeps response buffers between requests read whole (all
// but the findings pages, which are decoded as they arrive: projects,
// scans, deployments); the decoders copy what they keep.
var bodyBuffers sync.Pool // of *[]byte

// maxPooledBody bounds the buffers kept: an unusually large answer is not
// held on to.
const maxPooledBody = 32 << 20

func getBody() []byte {
	if p, ok := bodyBuffers.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return nil
}

func putBody(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBody {
		return
	}
	b = b[:0]
	bodyBuffers.Put(&b)
}

// errorDetail extracts a server's one-line error text from a JSON error
// body ({"error": "..."} or {"message": "..."}), with the token scrubbed.
// Non-JSON bodies are never echoed: they may reflect anything.
func (c *Client) errorDetail(body []byte, contentType string) string {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "" && !strings.Contains(mt, "json") {
		return ""
	}
	var e struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	s, _ := e.Error.(string)
	if s == "" {
		s = e.Message
	}
	if c.token != "" {
		s = strings.ReplaceAll(s, c.token, "[redacted]")
	}
	return oneLine(s, 200)
}

func transportError(op, host string, err error) *APIError {
	e := &APIError{Op: op, Kind: KindTransport, retryable: true, err: err}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var dnse *net.DNSError
	switch {
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne):
		e.Message = "the TLS certificate of " + host + " is not trusted; if a private CA signs it, set SSL_CERT_FILE to that CA's PEM file"
		e.retryable = false
	case errors.As(err, &dnse) && dnse.IsNotFound:
		e.Message = "host " + host + " not found"
		e.retryable = false
	case isTimeout(err):
		e.Message = "timed out talking to " + host
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Message = "connection to " + host + " refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Message = "connection to " + host + " was closed by the server"
	default:
		e.Message = "cannot reach " + host
	}
	return e
}

// isTimeout reports a transport error that is a timeout: a sign of an
// overloaded server, as a 503 is.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

func badResponse(op, msg string) *APIError {
	return &APIError{Op: op, Kind: KindBadResponse, Message: msg}
}

// decodeJSON unmarshals a 2xx body, turning every failure into a
// BadResponse that says what was expected. Body bytes are never quoted.
func decodeJSON(op string, body []byte, contentType, want string, v any) error {
	trimmed := bytes.TrimSpace(body)
	note := fmt.Sprintf("%d bytes", len(body))
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "" {
		note = mt + ", " + note
	}
	if len(trimmed) == 0 {
		return badResponse(op, "expected "+want+", got an empty body")
	}
	if trimmed[0] == '<' {
		return badResponse(op, "expected "+want+", got an HTML or XML page ("+note+") — is the API URL right?")
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
		e := badResponse(op, "the response was cut off ("+note+")")
		e.Kind = KindTransport
		e.retryable = true
		return e
	case errors.As(err, &se):
		return badResponse(op, fmt.Sprintf("expected %s, got malformed JSON at byte %d (%s)", want, se.Offset, note))
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "top level"
		}
		return badResponse(op, fmt.Sprintf("expected %s, but %s is a %s where %s belongs", want, f, te.Value, te.Type))
	}
	return badResponse(op, fmt.Sprintf("expected %s: %s", want, oneLine(err.Error(), 160)))
}
