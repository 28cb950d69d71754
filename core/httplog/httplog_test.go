package httplog

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

const (
	sig        = "5ec4e75ec4e75ec4e75ec4e75ec4e75ec4e75ec4e75ec4e75ec4e75ec4e7abcd"
	credential = "AKIASECRETCREDENTIAL%2F20260101%2Fus-east-2%2Fs3%2Faws4_request"
	bearer     = "eyJSECRETBEARERTOKEN.e30.c2ln"
	reqBody    = `{"client_secret":"BODYSECRET"}`
	respBody   = `{"access_token":"RESPONSESECRET"}`
)

var presigned = "https://bucket.s3.us-east-2.amazonaws.com/folder/123_file.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
	credential + "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" + sig

func newLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

func assertNoSecret(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{sig, "AKIASECRETCREDENTIAL", bearer, "BODYSECRET", "RESPONSESECRET", "X-Amz-Signature", "?"} {
		if strings.Contains(text, s) {
			t.Errorf("log holds %q:\n%s", s, text)
		}
	}
}

func TestRoundTripLogsOneRedactedLine(t *testing.T) {
	var seen *http.Request
	var seenBody string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		b, _ := io.ReadAll(r.Body)
		seenBody = string(b)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(respBody)), Request: r}, nil
	})
	var buf bytes.Buffer
	tr := New(base, newLogger(&buf))

	req, _ := http.NewRequest(http.MethodPut, presigned, strings.NewReader(reqBody))
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("User-Agent", "semgrep-wiz/test")
	req.Header.Set("X-Amz-Security-Token", "SECRETSESSION")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	// What reaches the wire is untouched: the real URL, header and body.
	if seen.URL.String() != presigned || seen.Header.Get("Authorization") != "Bearer "+bearer || seenBody != reqBody {
		t.Fatalf("the wrapped transport changed the request: %s %q %q", seen.URL, seen.Header.Get("Authorization"), seenBody)
	}
	if buf.Len() != 0 {
		t.Fatal("logged before the answer was read")
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != respBody {
		t.Fatalf("body %q", got)
	}
	resp.Body.Close()

	ls := lines(t, &buf)
	if len(ls) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(ls), buf.String())
	}
	l := ls[0]
	if l["method"] != "PUT" || l["url"] != "https://bucket.s3.us-east-2.amazonaws.com/folder/123_file.json" || l["status"] != float64(200) {
		t.Errorf("line %v", l)
	}
	if l["bytes_sent"] != float64(len(reqBody)) || l["bytes_received"] != float64(len(respBody)) || l["level"] != "DEBUG" {
		t.Errorf("bytes or level wrong: %v", l)
	}
	if _, ok := l["duration_ms"].(float64); !ok {
		t.Errorf("no duration: %v", l)
	}
	h, _ := l["headers"].(map[string]any)
	if h["Authorization"] != Redacted || h["X-Amz-Security-Token"] != Redacted || h["User-Agent"] != "semgrep-wiz/test" {
		t.Errorf("headers %v", h)
	}
	assertNoSecret(t, buf.String())
	if strings.Contains(buf.String(), "SECRETSESSION") {
		t.Error("session token logged")
	}
}

func TestRoundTripErrorIsLoggedWithoutQuery(t *testing.T) {
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		// Some layers put the whole URL into their error text.
		return nil, errors.New("dial failed for " + r.URL.String())
	})
	var buf bytes.Buffer
	req, _ := http.NewRequest(http.MethodPut, presigned, http.NoBody)
	req.Header.Set("Authorization", "Bearer "+bearer)
	if _, err := New(base, newLogger(&buf)).RoundTrip(req); err == nil {
		t.Fatal("error lost")
	}
	ls := lines(t, &buf)
	if len(ls) != 1 || ls[0]["status"] != float64(0) {
		t.Fatalf("lines %v", ls)
	}
	msg, _ := ls[0]["error"].(string)
	if !strings.Contains(msg, "dial failed for https://bucket.s3.us-east-2.amazonaws.com/folder/123_file.json") || !strings.Contains(msg, "X-Amz-Signature="+Redacted) {
		t.Errorf("error %q", msg)
	}
	// The scrubbed error may name the parameters; never their values.
	text := strings.ReplaceAll(strings.ReplaceAll(buf.String(), "X-Amz-Signature="+Redacted, ""), "?", "")
	assertNoSecret(t, text)
}

func TestLoggedOnceWhetherReadToEndOrClosedEarly(t *testing.T) {
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("abcdef")), Request: r}, nil
	})
	var buf bytes.Buffer
	tr := New(base, newLogger(&buf))
	req, _ := http.NewRequest(http.MethodGet, "https://semgrep.dev/api/v1/deployments?page=1", nil)

	resp, _ := tr.RoundTrip(req)
	io.ReadAll(resp.Body) // EOF writes the line …
	resp.Body.Close()     // … and Close does not write another
	resp, _ = tr.RoundTrip(req)
	b := make([]byte, 2)
	resp.Body.Read(b)
	resp.Body.Close() // closed early: still one line
	ls := lines(t, &buf)
	if len(ls) != 2 {
		t.Fatalf("%d lines:\n%s", len(ls), buf.String())
	}
	if ls[0]["bytes_received"] != float64(6) || ls[1]["bytes_received"] != float64(2) || ls[1]["status"] != float64(503) {
		t.Errorf("lines %v", ls)
	}
	if ls[0]["url"] != "https://semgrep.dev/api/v1/deployments" {
		t.Errorf("url %v", ls[0]["url"])
	}
}

func TestNilLoggerPassesThrough(t *testing.T) {
	called := false
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		called = true
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
	})
	req, _ := http.NewRequest(http.MethodGet, "https://example.test/", nil)
	resp, err := (&Transport{Base: base}).RoundTrip(req)
	if err != nil || !called || resp.StatusCode != 204 {
		t.Fatalf("resp %v err %v", resp, err)
	}
	if _, ok := resp.Body.(*loggedBody); ok {
		t.Error("a transport without a logger wrapped the body")
	}
}

func TestRedactQuery(t *testing.T) {
	cases := map[string]string{
		"":                     "",
		"page=2&page_size=100": "page=2&page_size=100",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=abc&X-Amz-Date=1": "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Date=1",
		"Expires=1&Signature=abc&Key-Pair-Id=K":                                                       "Expires=1&Signature=[redacted]&Key-Pair-Id=[redacted]",
		"x-amz-security-token=t&b=2":                                                                  "x-amz-security-token=[redacted]&b=2",
		"X%2DAmz%2DSignature=abc":                                                                     "X%2DAmz%2DSignature=[redacted]",
		"sv=2020&sig=abc&access_token=xyz":                                                            "sv=2020&sig=[redacted]&access_token=[redacted]",
		"flag&Signature":                                                                              "flag&Signature",
	}
	for in, want := range cases {
		if got := RedactQuery(in); got != want {
			t.Errorf("RedactQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAppendFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "x.log")
	w := AppendFile(path)
	for _, s := range []string{"one\n", "two\n"} {
		if _, err := io.WriteString(w, s); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "one\ntwo\n" {
		t.Fatalf("%q %v", b, err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if _, err := AppendFile(filepath.Join(path, "under-a-file")).Write([]byte("x")); err == nil {
		t.Error("a write that cannot happen reported success")
	}
}
