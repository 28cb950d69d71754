package semgrep

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A body read into a buffer given back earlier is the body, whatever the
// buffer held, with or without Content-Length; oversized buffers are not
// kept.
func TestReadBodyReusesBuffers(t *testing.T) {
	stale := bytes.Repeat([]byte("x"), 4096)
	putBody(stale)
	for _, c := range []struct {
		name string
		body string
		n    int64
	}{
		{"sized", `{"findings":[]}`, 15},
		{"chunked", strings.Repeat(`{"a":"b"},`, 5000), -1},
		{"larger than the kept buffer", strings.Repeat("y", 10000), 10000},
		{"empty", "", 0},
	} {
		resp := &http.Response{Body: io.NopCloser(strings.NewReader(c.body)), ContentLength: c.n}
		b, err := readBody(resp)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if string(b) != c.body {
			t.Fatalf("%s: read %d bytes %.20q…, want %d bytes %.20q…", c.name, len(b), b, len(c.body), c.body)
		}
		putBody(b)
	}

	putBody(make([]byte, 0, maxPooledBody+1))
	for range 8 {
		if b := getBody(); cap(b) > maxPooledBody {
			t.Fatalf("a buffer of %d bytes was kept", cap(b))
		}
	}
}
