package semgrep

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written permalink scan finds what the regular expression it
// replaced finds.
func TestCommitFromURLMatchesTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`/(?:blob|src)/([0-9a-fA-F]{7,64})/`)
	ref := func(u string) string {
		if m := re.FindStringSubmatch(u); m != nil {
			return strings.ToLower(m[1])
		}
		return ""
	}
	sha := "0123456789abcdef0123456789abcdef01234567"
	for _, u := range []string{
		"", "/", "https://github.com/a/b/blob/" + sha + "/x.py#L3", "https://gitlab.com/a/b/-/blob/" + strings.ToUpper(sha) + "/x.py",
		"https://bitbucket.org/a/b/src/" + sha[:12] + "/x.py", "https://x/blob/abc/x", "https://x/blob/" + sha[:6] + "/x",
		"https://x/blob/" + sha[:7] + "/x", "https://x/blob/" + sha + sha[:24] + "/x", "https://x/blob/" + sha + sha[:25] + "/x",
		"https://x/blob/" + sha, "https://x/blob/main/src/" + sha + "/y", "https://x/blob//src/" + sha[:9] + "/", "/src/" + sha[:7] + "/",
		"https://x/blob/blob/" + sha[:8] + "/a", "https://x/src/" + sha[:8] + "g/blob/" + sha[:10] + "/a",
	} {
		if got, want := commitFromURL(u), ref(u); got != want {
			t.Errorf("%q: got %q, the regexp %q", u, got, want)
		}
	}
}

func FuzzCommitFromURL(f *testing.F) {
	f.Add("https://github.com/a/b/blob/0123456789abcdef/x.py")
	re := regexp.MustCompile(`/(?:blob|src)/([0-9a-fA-F]{7,64})/`)
	f.Fuzz(func(t *testing.T, u string) {
		want := ""
		if m := re.FindStringSubmatch(u); m != nil {
			want = strings.ToLower(m[1])
		}
		if got := commitFromURL(u); got != want {
			t.Fatalf("%q: got %q, the regexp %q", u, got, want)
		}
	})
}
