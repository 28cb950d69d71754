package config

import (
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var urlInText = regexp.MustCompile(`https?://[^\s"'<>\\,)\]}]+`)

// endpointErrors are every error ValidateEndpoint may return: fixed
// sentences, so no error can repeat the URL (which may hold a credential).
var endpointErrors = []error{errNotURL, errBlanks, errNoHost, errUser, errQuery, errFrag, errPort, errHTTP, errScheme, errEmptyEP}

// FuzzValidateEndpoint checks ValidateEndpoint against an independent
// reading of the rule: an accepted URL parses, is https (or http to
// 127.0.0.0/8, ::1 or localhost), has a host and no user info, query,
// fragment or blank; a refused one gets one of the fixed messages. What is
// accepted is still accepted after Normalize, which is idempotent. Seeds:
// hand-made edge cases and every URL in the samples and Wiz fixtures.
func FuzzValidateEndpoint(f *testing.F) {
	for _, s := range []string{
		"https://api.us17.app.wiz.io/graphql", "http://127.0.0.1:1/x", "http://[::1]/", "http://localhost./",
		"http://[::ffff:127.0.0.1]:8080", "http://[::1%25lo]/", "https://u:p@h/?#", "https://@h/", "https://h/a@b",
		"https://h?", "https://h#", "https://h:0/", "https://h:/", "https://h:65536/", "HTTPS://H/", "http://127.1/",
		"http://0x7f.0.0.1/", "http://localhost.com/", "https://h%2f/", "https://[", "%", "", " https://h",
		"javascript:alert(1)", "https:h", "https:///p", "//h/p", "https://h\u2028/", "https://h/\x7f",
	} {
		f.Add(s)
	}
	seen := map[string]bool{}
	for _, data := range append(sharedFiles("samples", "semgrep"), sharedFiles("reference", "wiz-fixtures")...) {
		for _, u := range urlInText.FindAllString(string(data), -1) {
			if !seen[u] && len(seen) < 300 {
				seen[u] = true
				f.Add(u)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := ValidateEndpoint(raw)
		if err != nil {
			known := false
			for _, e := range endpointErrors {
				known = known || errors.Is(err, e)
			}
			if !known || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("ValidateEndpoint(%q): unexpected error %q", raw, err)
			}
		} else {
			checkAcceptedEndpoint(t, raw)
		}

		c := &Config{}
		c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Semgrep.APIURL = raw, raw, raw
		c.Normalize()
		once := *c
		c.Normalize()
		if c.Wiz.APIEndpoint != once.Wiz.APIEndpoint || c.Wiz.AuthURL != once.Wiz.AuthURL || c.Semgrep.APIURL != once.Semgrep.APIURL {
			t.Fatalf("Normalize(%q) is not idempotent: %q %q %q, then %q %q %q", raw,
				once.Wiz.APIEndpoint, once.Wiz.AuthURL, once.Semgrep.APIURL, c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Semgrep.APIURL)
		}
		if err == nil {
			for _, n := range []string{c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Semgrep.APIURL} {
				if nerr := ValidateEndpoint(n); nerr != nil {
					t.Fatalf("%q is accepted, but its normalised form %q is not: %v", raw, n, nerr)
				}
				checkAcceptedEndpoint(t, n)
			}
		}
		checkProblems(t, c.Validate(Needs{Wiz: true, Semgrep: true}), func(string, string) {})
		_ = AudienceFor(raw)
		_ = IsLoopbackURL(raw)
	})
}

// checkAcceptedEndpoint restates the endpoint rule without sharing code
// with ValidateEndpoint.
func checkAcceptedEndpoint(t *testing.T, raw string) {
	t.Helper()
	if strings.ContainsAny(raw, "?#") {
		t.Fatalf("accepted %q with a query or fragment", raw)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		t.Fatalf("accepted %q with a blank or control character", raw)
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		t.Fatalf("accepted %q without scheme://", raw)
	}
	authority, _, _ := strings.Cut(rest, "/")
	if strings.Contains(authority, "@") {
		t.Fatalf("accepted %q with user info", raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.User != nil {
		t.Fatalf("accepted %q: parse %v, host %q", raw, err, u.Hostname())
	}
	switch strings.ToLower(scheme) {
	case "https":
	case "http":
		h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		a, aerr := netip.ParseAddr(h)
		if h != "localhost" && (aerr != nil || !a.Unmap().IsLoopback()) {
			t.Fatalf("accepted plain http to a non-loopback host: %q", raw)
		}
	default:
		t.Fatalf("accepted scheme %q in %q", scheme, raw)
	}
}
