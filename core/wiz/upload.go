package wiz

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
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
	e := c.retry(ctx, op, func(ctx context.Context) *Error {
		return c.putOnce(ctx, op, uploadURL, path, progress)
	})
	if e != nil {
		return e
	}
	return nil
}

func (c *Client) putOnce(ctx context.Context, op, uploadURL, path string, progress func(sent, total int64)) *Error {
	f, err := os.Open(path)
	if err != nil {
		return &Error{Op: op, Kind: KindConfig, Message: "opening " + path + ": " + causeText(err), err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &Error{Op: op, Kind: KindConfig, Message: "reading " + path + ": " + causeText(err), err: err}
	}
	size := st.Size()
	var body io.Reader = http.NoBody // a zero length with a real body would go out chunked
	if size > 0 {
		body = &progressReader{r: f, total: size, fn: progress}
	}
	// NewRequest parses the URL once and keeps RawQuery byte for byte; the
	// signature covers it, so it must not be re-encoded.
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, uploadURL, body)
	if err != nil {
		return &Error{Op: op, Kind: KindProtocol, Message: "the upload URL is malformed"}
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
			return canceled(op, ctx.Err())
		}
		return &Error{Op: op, Kind: KindNetwork, Message: "uploading to " + SafeURL(uploadURL) + ": " + causeText(err),
			Hint: networkHint("the upload URL's host", "your proxy settings"), err: stripURL(err), noRetry: unknownHost(err)}
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return putStatusError(op, uploadURL, resp.StatusCode, string(respBody))
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
	case st >= 500:
		return &Error{Op: op, Kind: KindServer, HTTPStatus: st, Message: "the upload storage failed (HTTP " + itoa(st) + ")" + where}
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

// progressReader reports bytes as the transport reads them.
type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	fn    func(sent, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		if p.fn != nil {
			p.fn(p.sent, p.total)
		}
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
