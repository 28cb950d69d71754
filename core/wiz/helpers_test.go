package wiz

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// testSecret is distinctive so a leak into any error text is easy to spot.
const testSecret = "S3cretValue-MUST-NOT-LEAK-0123456789abcdef"

// newPair starts a stand-in and a client configured for fast tests.
func newPair(t *testing.T, o wiztest.Options, mod func(*Config)) (*Client, *wiztest.Server) {
	t.Helper()
	if o.ClientSecret == "" {
		o.ClientSecret = testSecret
	}
	s := wiztest.NewServer(o)
	t.Cleanup(s.Close)
	cfg := Config{
		APIEndpoint:     s.APIEndpoint(),
		AuthURL:         s.AuthURL(),
		ClientID:        s.Options().ClientID,
		ClientSecret:    s.Options().ClientSecret,
		Audience:        "wiz-api", // loopback hosts would also derive wiz-api; be explicit
		RetryBase:       time.Millisecond,
		PollInterval:    5 * time.Millisecond,
		PollMaxInterval: 20 * time.Millisecond,
		PollDeadline:    5 * time.Second,
		NotFoundGrace:   time.Second,
		// Tests poll every few milliseconds; pacing has its own tests.
		RequestsPerSecond: 1000,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func writeFile(t *testing.T, body []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "upload.json")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// uploadDoc runs slot → PUT and returns the slot.
func uploadDoc(t *testing.T, c *Client, doc []byte) Upload {
	t.Helper()
	ctx := testCtx(t)
	up, err := c.RequestUpload(ctx, "semgrep-test.json")
	if err != nil {
		t.Fatalf("RequestUpload: %v", err)
	}
	if err := c.PutFile(ctx, up.URL, writeFile(t, doc), nil); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	return up
}

func mustKind(t *testing.T, err error, k Kind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s error, got nil", k)
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("want *Error, got %T: %v", err, err)
	}
	if e.Kind != k {
		t.Fatalf("want kind %s, got %s: %v", k, e.Kind, err)
	}
	if strings.ContainsAny(err.Error(), "\r\n") || e.Message == "" {
		t.Errorf("error is not one non-empty line: %q", err.Error())
	}
	return e
}

func noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, bad := range []string{testSecret, "X-Amz-Signature", "X-Amz-Credential", "Bearer "} {
			if strings.Contains(s, bad) {
				t.Errorf("text leaks %q: %s", bad, s)
			}
		}
	}
}

var customerDoc = func(ids ...string) []byte {
	return wiztest.SampleDocument(wiztest.CustomerIntegrationID, "semgrep:github.com/acme/app", "https://github.com/acme/app", ids...)
}
