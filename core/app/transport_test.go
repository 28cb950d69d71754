package app

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
)

// slowServer sends its headers, then holds the body (or, with
// beforeHeaders, everything) for hold or until the client gives up.
func slowServer(t *testing.T, hold time.Duration, beforeHeaders bool) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if !beforeHeaders {
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("12345"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(hold):
		}
		if beforeHeaders {
			w.Write([]byte("done"))
		} else {
			w.Write([]byte("67890"))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestEveryRequestHasAnOverallDeadline(t *testing.T) {
	client := func(api, putBase time.Duration, putRate int64) *http.Client {
		return &http.Client{Transport: &guardTransport{base: http.DefaultTransport.(*http.Transport).Clone(), apiTimeout: api, putBase: putBase, putRate: putRate}}
	}
	isTimeout := func(err error) bool {
		var ne net.Error
		var rt *requestTimeout
		return errors.As(err, &rt) && errors.Is(err, context.DeadlineExceeded) && errors.As(err, &ne) && ne.Timeout() && strings.Contains(err.Error(), "timed out")
	}

	t.Run("a body that stalls", func(t *testing.T) {
		s := slowServer(t, time.Minute, false)
		start := time.Now()
		resp, err := client(200*time.Millisecond, time.Minute, 1).Get(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !isTimeout(err) || time.Since(start) > 5*time.Second {
			t.Fatalf("err %v after %s", err, time.Since(start))
		}
	})
	t.Run("headers that never come", func(t *testing.T) {
		s := slowServer(t, time.Minute, true)
		_, err := client(200*time.Millisecond, time.Minute, 1).Post(s.URL, "application/json", strings.NewReader("{}"))
		if !isTimeout(err) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("the caller's cancellation is not a timeout", func(t *testing.T) {
		s := slowServer(t, time.Minute, true)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
		_, err := client(time.Minute, time.Minute, 1).Do(req)
		var rt *requestTimeout
		if err == nil || errors.As(err, &rt) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("the upload's deadline grows with its size", func(t *testing.T) {
		s := slowServer(t, time.Second, false)
		c := client(300*time.Millisecond, 300*time.Millisecond, 1<<10)
		// 3 KiB at 1 KiB/s: 3.3 s allowed, so the one-second answer arrives …
		req, _ := http.NewRequest(http.MethodPut, s.URL, bytes.NewReader(make([]byte, 3<<10)))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "1234567890" {
			t.Fatalf("PUT: %q %v", b, err)
		}
		resp.Body.Close()
		// … where an API call of the same length is cut off.
		resp, err = c.Get(s.URL)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !isTimeout(err) {
			t.Fatalf("GET: %v", err)
		}
		g := &guardTransport{apiTimeout: apiRequestTimeout, putBase: putBaseTimeout, putRate: putMinRate}
		big, _ := http.NewRequest(http.MethodPut, "https://bucket.example/x", nil)
		big.ContentLength = 64 << 20
		if got, want := g.limit(big), putBaseTimeout+2048*time.Second; got != want {
			t.Errorf("a 64 MiB upload gets %s, want %s", got, want)
		}
	})
}

func TestGuardTransportSetsUserAgentAndExplainsUntrustedCerts(t *testing.T) {
	var got []string
	var mu sync.Mutex
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.UserAgent())
		mu.Unlock()
	}))
	defer s.Close()
	c := newHTTPClient(Env{Getenv: func(string) string { return "" }}, config.Paths{})
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	req.Header.Set("User-Agent", "") // net/http would otherwise send its own
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(got) != 1 || got[0] != version.UserAgent() {
		t.Fatalf("User-Agent %q", got)
	}

	ts := httptest.NewTLSServer(http.NotFoundHandler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer ts.Close()
	_, err = c.Get(ts.URL)
	var ua x509.UnknownAuthorityError
	if err == nil || !strings.Contains(err.Error(), "is not trusted; if a private CA signs it, set SSL_CERT_FILE") || !errors.As(err, &ua) {
		t.Fatalf("err %v", err)
	}
}
