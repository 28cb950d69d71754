package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// NotLoggedIn is the placeholder the Semgrep CLI writes instead of a
// fingerprint (and instead of the matched lines) when it is not logged in.
// It is the same on every result, so it is never an identity.
const NotLoggedIn = "requires login"

// NormalizeRepoURL reduces a repository URL to host/path: no scheme, no
// user info, no port for the usual schemes, lower-case host, no ".git", no
// trailing slash. SSH forms (git@host:owner/repo.git, ssh://git@host/...)
// give the same result as their https twins. It returns "" for input that
// has no host and path.
func NormalizeRepoURL(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	// scp-like SSH syntax: user@host:path (no scheme).
	if !strings.Contains(s, "://") {
		if at := strings.Index(s, "@"); at >= 0 {
			if colon := strings.Index(s[at:], ":"); colon > 0 {
				s = "ssh://" + s[:at+colon] + "/" + s[at+colon+1:]
			}
		} else {
			s = "https://" + s
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	path := strings.Trim(u.Path, "/")
	path = strings.TrimSuffix(path, ".git")
	path = strings.Trim(path, "/")
	if path == "" {
		return ""
	}
	return host + "/" + path
}

// RepoHost is the lower-case host of a repository URL, or "".
func RepoHost(raw string) string {
	n := NormalizeRepoURL(raw)
	if i := strings.Index(n, "/"); i > 0 {
		return n[:i]
	}
	return ""
}

// DataSourceID is the Wiz data-source id of a repository. The recipe must
// never change once released (a new id makes Wiz resolve everything sent
// under the old one):
//
//	"semgrep:" + NormalizeRepoURL(url)               when a URL is known
//	"semgrep:" + deployment + "/" + name              otherwise
//
// It depends neither on the branch nor on where the findings came from, so
// the API and a CLI file for the same repository meet in one data source.
func DataSourceID(r Repository) string {
	if n := NormalizeRepoURL(r.URL); n != "" {
		return "semgrep:" + n
	}
	dep := r.Deployment
	if dep == "" {
		dep = "local"
	}
	return "semgrep:" + dep + "/" + strings.Trim(r.Name, "/")
}

// RepoKey is DataSourceID: the key that groups findings per repository.
func RepoKey(r Repository) string { return DataSourceID(r) }

// AssignIDs gives every finding its stable ID. Call it once per
// repository with all findings read for it (from one source); the result
// does not depend on the order of the slice.
//
// The recipe (documented in the README; never change it):
//
//  1. Semgrep's match-based id when Semgrep computed one (API
//     match_based_id, CLI fingerprint, SARIF matchBasedId/v1):
//     key "m\x00<match-based id>".
//  2. Otherwise the platform finding id (API): key "p\x00<id>".
//  3. Otherwise a derived key "d\x00<rule id>\x00<path>\x00<code>\x00<n>",
//     where <code> is the matched code (the snippet, or the rule message
//     when the CLI withheld the code) with all whitespace removed, and <n>
//     counts earlier findings with the same rule, path and code in the same
//     file (by position). No line number enters the key, so moving code
//     keeps its id, while two identical matches in one file get two ids.
//
// ID = "sg-" + the first 32 hex digits of SHA-256(key). Should two findings
// still share an ID (a source that repeats a fingerprint), the later ones by
// position get "#<n>" appended, so distinct matches never collide. One
// finding open on several branches keeps one ID (the encoder tells the
// branches apart).
func AssignIDs(fs []Finding) {
	// Derived keys need an occurrence index in position order.
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return positionLess(&fs[order[a]], &fs[order[b]]) })

	occurrences := map[string]int{}
	for _, i := range order {
		f := &fs[i]
		var key string
		switch {
		case f.MatchBasedID != "" && f.MatchBasedID != NotLoggedIn:
			key = "m\x00" + f.MatchBasedID
		case f.PlatformID != "":
			key = "p\x00" + f.PlatformID
		default:
			code := f.Snippet
			if code == "" || code == NotLoggedIn {
				code = f.Message
			}
			base := "d\x00" + f.RuleID + "\x00" + f.Path + "\x00" + foldSpace(code)
			// Occurrences count per branch: each branch is its own file tree.
			n := occurrences[base+"\x00"+f.Branch]
			occurrences[base+"\x00"+f.Branch] = n + 1
			key = base + "\x00" + strconv.Itoa(n)
		}
		f.ID = hashID(key)
	}

	seen := map[string]int{}
	for _, i := range order {
		f := &fs[i]
		// The same finding on two branches rightly shares its ID.
		k := f.ID + "\x00" + f.Branch
		n := seen[k]
		seen[k] = n + 1
		if n > 0 {
			f.ID += "#" + strconv.Itoa(n)
		}
	}
}

func hashID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sg-" + hex.EncodeToString(sum[:16])
}

func positionLess(a, b *Finding) bool {
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	if a.StartLine != b.StartLine {
		return a.StartLine < b.StartLine
	}
	if a.StartColumn != b.StartColumn {
		return a.StartColumn < b.StartColumn
	}
	if a.RuleID != b.RuleID {
		return a.RuleID < b.RuleID
	}
	return a.MatchBasedID+a.PlatformID < b.MatchBasedID+b.PlatformID
}

// foldSpace removes all white space, so re-indenting or re-wrapping the
// matched code keeps its identity.
func foldSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
