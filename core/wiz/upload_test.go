package wiz

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

func TestPutFileAsS3Expects(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	up, err := c.RequestUpload(ctx, "semgrep-acme-app.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := customerDoc("f1", "f2")
	var last, total int64
	calls := 0
	err = c.PutFile(ctx, up.URL, writeFile(t, doc), func(sent, tot int64) { last, total = sent, tot; calls++ })
	if err != nil {
		t.Fatal(err)
	}
	var put []wiztest.Request
	for _, r := range s.Requests() {
		if r.Op == "put" {
			put = append(put, r)
		}
	}
	if len(put) != 1 {
		t.Fatalf("PUTs seen: %+v", put)
	}
	p := put[0]
	if p.Method != http.MethodPut || p.Authorization || p.ContentType != "application/json" || p.ContentLength != int64(len(doc)) || p.Status != 200 {
		t.Errorf("PUT as received: %+v (file is %d bytes)", p, len(doc))
	}
	ups := s.Uploads()
	if len(ups) != 1 || !bytes.Equal(ups[0].Body, doc) || ups[0].ID != up.ID || ups[0].Filename != "semgrep-acme-app.json" {
		t.Errorf("stored upload %+v", ups)
	}
	if last != int64(len(doc)) || total != int64(len(doc)) || calls < 2 {
		t.Errorf("progress ended at %d/%d after %d calls", last, total, calls)
	}
}

// The stand-in rejects a query that is not byte-identical: re-encoding it
// (here through url.Values, which sorts the keys) breaks the signature.
func TestStandInRejectsReencodedQuery(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	up, err := c.RequestUpload(ctx, "a.json")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	u.RawQuery = u.Query().Encode()
	if u.String() == up.URL {
		t.Fatal("re-encoding did not change the URL; the test proves nothing")
	}
	err = c.PutFile(ctx, u.String(), writeFile(t, customerDoc()), nil)
	e := mustKind(t, err, KindUploadRejected)
	if e.HTTPStatus != 403 || !strings.Contains(e.Message, "SignatureDoesNotMatch") {
		t.Errorf("error %+v", e)
	}
	noSecrets(t, err.Error())
	if len(s.Uploads()) != 0 {
		t.Error("a mangled URL was accepted")
	}
}

func TestPutKeepsQueryVerbatim(t *testing.T) {
	// Escapes and order Go's own encoder would change.
	const rawQuery = "b=2&a=%2f%7e&c=x+y&sig=AbC%3D%3D&empty="
	var got string
	var gotLen int64
	var chunked bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotLen, chunked = r.URL.RawQuery, r.ContentLength, len(r.TransferEncoding) > 0
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	c, err := New(Config{APIEndpoint: srv.URL, AuthURL: srv.URL, ClientID: "a", ClientSecret: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutFile(testCtx(t), srv.URL+"/bucket/key%20name.json?"+rawQuery, writeFile(t, []byte("{}")), nil); err != nil {
		t.Fatal(err)
	}
	if got != rawQuery || gotLen != 2 || chunked {
		t.Errorf("query %q (want %q), length %d, chunked %v", got, rawQuery, gotLen, chunked)
	}
}

func TestPutEmptyFileSendsContentLength(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	up, err := c.RequestUpload(testCtx(t), "a.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutFile(testCtx(t), up.URL, writeFile(t, nil), nil); err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if ups := s.Uploads(); len(ups) != 1 || ups[0].Status != "FAILURE" {
		t.Errorf("uploads %+v", ups)
	}
}

func TestPutExpiredURL(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	up, err := c.RequestUpload(ctx, "a.json")
	if err != nil {
		t.Fatal(err)
	}
	s.ExpireUploadURLs()
	err = c.PutFile(ctx, up.URL, writeFile(t, customerDoc("f1")), nil)
	e := mustKind(t, err, KindUploadURLExpired)
	if e.HTTPStatus != 403 || e.Hint == "" {
		t.Errorf("error %+v", e)
	}
	noSecrets(t, err.Error())
	if strings.Contains(err.Error(), "?") {
		t.Errorf("error shows a query: %v", err)
	}
	if n := s.RequestCount("put"); n != 1 {
		t.Errorf("expired URL retried: %d PUTs", n)
	}
	// The caller's recovery: a fresh slot works.
	up2, err := c.RequestUpload(ctx, "a.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutFile(ctx, up2.URL, writeFile(t, customerDoc("f1")), nil); err != nil {
		t.Errorf("fresh slot: %v", err)
	}
}

func TestPutServerErrorRetriedWithWholeFile(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	up, err := c.RequestUpload(ctx, "a.json")
	if err != nil {
		t.Fatal(err)
	}
	s.Inject(wiztest.Fault{Op: "put", Status: 503})
	s.Inject(wiztest.Fault{Op: "put", Reset: true})
	doc := customerDoc("f1", "f2", "f3")
	var mu sync.Mutex
	var resets int
	err = c.PutFile(ctx, up.URL, writeFile(t, doc), func(sent, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if sent == 0 {
			resets++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount("put"); n != 3 {
		t.Errorf("PUTs = %d, want 3", n)
	}
	if ups := s.Uploads(); len(ups) != 1 || !bytes.Equal(ups[0].Body, doc) {
		t.Errorf("stored %+v", ups)
	}
	if resets != 3 {
		t.Errorf("progress restarted %d times, want 3", resets)
	}
}

func TestPutSecondTimeRefused(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, nil)
	up := uploadDoc(t, c, customerDoc("f1"))
	err := c.PutFile(testCtx(t), up.URL, writeFile(t, customerDoc("f1")), nil)
	mustKind(t, err, KindUploadURLExpired)
}

func TestPutMissingFile(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	err := c.PutFile(testCtx(t), s.URL+"/s3/x/y?sig=1", "/nonexistent/upload.json", nil)
	e := mustKind(t, err, KindConfig)
	if !strings.Contains(e.Message, "/nonexistent/upload.json") {
		t.Errorf("message does not name the file: %v", err)
	}
}

func TestSafeURL(t *testing.T) {
	got := SafeURL("https://bucket.s3.amazonaws.com/a/b.json?X-Amz-Signature=abc&X-Amz-Credential=k")
	if got != "https://bucket.s3.amazonaws.com/a/b.json" {
		t.Errorf("SafeURL = %q", got)
	}
}
