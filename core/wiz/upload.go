package wiz

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// Upload is a slot for one file: the presigned URL to PUT it to and the
// system activity that will report on its processing.
type Upload struct {
	ID               string
	URL              string // presigned; its query is a credential — never log it (use SafeURL)
	SystemActivityID string
}

const requestUploadQuery = `query RequestSecurityScanUpload($filename: String!) { requestSecurityScanUpload(filename: $filename) { upload { id url systemActivityId } } }`

var opRequestUpload = operation{op: "request upload", name: "RequestSecurityScanUpload", scope: ScopeIngestion, query: requestUploadQuery}

// RequestUpload asks Wiz for an upload slot for a file called filename.
func (c *Client) RequestUpload(ctx context.Context, filename string) (Upload, error) {
	if strings.TrimSpace(filename) == "" {
		return Upload{}, &Error{Op: opRequestUpload.op, Kind: KindBadRequest, Message: "the upload file name is empty"}
	}
	var out struct {
		RequestSecurityScanUpload *struct {
			Upload *struct {
				ID               flexString `json:"id"`
				URL              string     `json:"url"`
				SystemActivityID flexString `json:"systemActivityId"`
			} `json:"upload"`
		} `json:"requestSecurityScanUpload"`
	}
	if err := c.exec(ctx, opRequestUpload, map[string]any{"filename": filename}, &out); err != nil {
		return Upload{}, err
	}
	r := out.RequestSecurityScanUpload
	if r == nil || r.Upload == nil || r.Upload.URL == "" || r.Upload.SystemActivityID == "" {
		return Upload{}, &Error{Op: opRequestUpload.op, Kind: KindProtocol, Message: "the answer carried no upload URL or system activity id"}
	}
	u, err := url.Parse(r.Upload.URL)
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname()))) {
		return Upload{}, &Error{Op: opRequestUpload.op, Kind: KindProtocol, Message: "the upload URL Wiz returned is not an https URL"}
	}
	return Upload{ID: string(r.Upload.ID), URL: r.Upload.URL, SystemActivityID: string(r.Upload.SystemActivityID)}, nil
}

// PutFile uploads the file at path to a presigned URL, exactly as given.
// progress (may be nil) is called as bytes go out; it restarts from 0 when
// a failed attempt is retried. A 403 that says the URL expired or access
// was denied is KindUploadURLExpired: ask for a fresh slot and try once more.
func (c *Client) PutFile(ctx context.Context, uploadURL, path string, progress func(sent, total int64)) error {
	const op = "upload file"
	if _, err := url.Parse(uploadURL); err != nil {
		return &Error{Op: op, Kind: KindProtocol, Message: "the upload URL is malformed"}
	}
	lost := false // an attempt sent the whole file but its answer was lost
	e := c.retry(ctx, op, func(ctx context.Context) *Error {
		e, sent := c.putOnce(ctx, op, uploadURL, path, progress)
		if e != nil && e.Kind == KindUploadURLExpired && lost {
			// Refused after an attempt whose answer was lost: the slot has
			// the file (a URL does not expire within a retry's wait, and
			// storage may refuse a second write to a slot). A fresh slot
			// would upload it twice; should the file not be there after
			// all, its activity never appears and the poll says so.
			return nil
		}
		lost = lost || (e != nil && sent && e.HTTPStatus == 0)
		return e
	})
	if e != nil {
		return e
	}
	return nil
}

// putOnce makes one PUT; sent reports that the whole file went out.
func (c *Client) putOnce(ctx context.Context, op, uploadURL, path string, progress func(sent, total int64)) (e *Error, sent bool) {
	f, err := os.Open(path)
	if err != nil {
		return &Error{Op: op, Kind: KindConfig, Message: "opening " + path + ": " + causeText(err), err: err}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &Error{Op: op, Kind: KindConfig, Message: "reading " + path + ": " + causeText(err), err: err}, false
	}
	size := st.Size()
	// The transfer has no deadline of its own (a large file on a slow link
	// takes long); the storage's answer must come within the attempt
	// timeout once the last byte is out.
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	limit := c.attemptTimeout(graphqlAttemptTimeout)
	clock := &answerClock{limit: limit, cancel: cancel}
	defer clock.stop()
	var body io.Reader = http.NoBody // a zero length with a real body would go out chunked
	if size > 0 {
		body = &progressReader{r: f, total: size, fn: progress, onEnd: clock.start}
	} else {
		clock.start()
	}
	// NewRequest parses the URL once and keeps RawQuery byte for byte; the
	// signature covers it, so it must not be re-encoded.
	req, err := http.NewRequestWithContext(actx, http.MethodPut, uploadURL, body)
	if err != nil {
		return &Error{Op: op, Kind: KindProtocol, Message: "the upload URL is malformed"}, false
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if progress != nil {
		progress(0, size)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return canceled(op, ctx.Err()), clock.started()
		}
		cause := causeText(err)
		if clock.fired() {
			cause = "no answer within " + limit.String() + " after the file was sent"
		}
		return &Error{Op: op, Kind: KindNetwork, Message: "uploading to " + SafeURL(uploadURL) + ": " + cause,
			Hint: networkHint("the upload URL's host", "your proxy settings"), err: stripURL(err), noRetry: permanentTransportError(err)}, clock.started()
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if isHTMLType(resp.Header.Get("Content-Type")) {
			// Storage answers a PUT with no body (or XML); a web page means
			// something in between took the upload, and Wiz never got it.
			return &Error{Op: op, Kind: KindUploadRejected, HTTPStatus: resp.StatusCode,
				Message: "the upload was answered with a web page, not by the storage, from " + SafeURL(uploadURL),
				Hint:    networkHint("the upload URL's host", "your proxy settings")}, true
		}
		// Stored. The answer's body says nothing more, and waiting for it
		// could only turn a finished upload into a second one.
		return nil, true
	}
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e = putStatusError(op, uploadURL, resp.StatusCode, string(respBody))
	if e != nil && retryable(e) {
		e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	return e, true
}

// answerClock cancels a PUT whose answer does not come within limit of
// start (the last byte sent).
type answerClock struct {
	limit  time.Duration
	cancel context.CancelFunc
	mu     sync.Mutex
	t      *time.Timer
	done   bool
}

func (a *answerClock) start() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.t == nil {
		a.t = time.AfterFunc(a.limit, func() {
			a.mu.Lock()
			a.done = true
			a.mu.Unlock()
			a.cancel()
		})
	}
}

// started reports that the whole file went out.
func (a *answerClock) started() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.t != nil
}

func (a *answerClock) fired() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}

func (a *answerClock) stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.t != nil {
		a.t.Stop()
	}
}

func isHTMLType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// putStatusError classifies S3's answer. Only S3's error code is quoted:
// its messages can echo the canonical request.
func putStatusError(op, uploadURL string, st int, body string) *Error {
	if st >= 200 && st < 300 {
		return nil
	}
	code := xmlElement(body, "Code")
	where := " from " + SafeURL(uploadURL)
	switch {
	case st == http.StatusForbidden && (strings.Contains(body, "Request has expired") || code == "AccessDenied"):
		return &Error{Op: op, Kind: KindUploadURLExpired, HTTPStatus: st,
			Message: "the upload URL has expired or was refused (" + orDefault(code, "HTTP 403") + ")" + where,
			Hint:    "request a fresh upload slot and upload again"}
	case st == http.StatusTooManyRequests:
		return &Error{Op: op, Kind: KindRateLimited, HTTPStatus: st, Message: "the upload storage is rate limiting us (HTTP 429)" + where}
	case st == http.StatusBadRequest && code == "RequestTimeout":
		// S3's "socket not read from or written to in time": transient.
		return &Error{Op: op, Kind: KindNetwork, HTTPStatus: st, Message: "the upload storage timed out receiving the file (RequestTimeout)" + where}
	case st >= 500:
		return &Error{Op: op, Kind: KindServer, HTTPStatus: st, Message: "the upload storage failed (HTTP " + itoa(st) + orDefault(wrapCode(code), "") + ")" + where}
	default:
		return &Error{Op: op, Kind: KindUploadRejected, HTTPStatus: st,
			Message: "the upload was refused (HTTP " + itoa(st) + orDefault(wrapCode(code), "") + ")" + where}
	}
}

func wrapCode(code string) string {
	if code == "" {
		return ""
	}
	return " " + code
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// xmlElement returns the text of the first <name> element, capped; enough
// for S3's flat error documents.
func xmlElement(body, name string) string {
	start := strings.Index(body, "<"+name+">")
	if start < 0 {
		return ""
	}
	rest := body[start+len(name)+2:]
	end := strings.Index(rest, "</"+name+">")
	if end < 0 {
		return ""
	}
	return oneLine(rest[:end], 60)
}

// progressReader reports bytes as the transport reads them, and calls
// onEnd once the last one is out.
type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	fn    func(sent, total int64)
	onEnd func()
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		if p.fn != nil {
			p.fn(p.sent, p.total)
		}
	}
	if p.onEnd != nil && p.sent >= p.total {
		p.onEnd()
	}
	return n, err
}

// flexString accepts a JSON string or number (ids are strings in the
// documented answers; tolerate a tenant that sends numbers).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*f = ""
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = flexString(v)
		return nil
	}
	*f = flexString(s)
	return nil
}
