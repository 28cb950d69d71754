package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
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

// AssignIDs gives every finding its stable ID. Call it once per file (or
// per repository for the API) with all findings read from it; the result
// does not depend on the order of the slice.
//
// The recipe (documented in the README; never change it once released):
//
//  1. Semgrep's match-based id when Semgrep computed one (API
//     match_based_id, CLI fingerprint when logged in, SARIF
//     matchBasedId/v1): key "m\x00<match-based id>".
//  2. Otherwise the platform finding id (API): key "p\x00<id>".
//  3. Otherwise a derived key from what `semgrep scan --json` and
//     `--sarif` both always carry:
//     "d\x00<rule id>\x00<path>\x00<start col>:<end col>:<lines spanned>\x00<n>",
//     where <path> is repository-relative, <lines spanned> is end line
//     minus start line, and <n> counts earlier findings (by position, per
//     branch) that share everything before it. No line number and no code
//     enters the key: moving code keeps its id, the JSON (which withholds
//     the code when not logged in) and the SARIF (which keeps it) of one
//     scan give the same ids, and fixing one of several matches of a rule
//     in a file removes its own id, not another's, unless the matches have
//     the very same shape.
//
// ID = "sg-" + the first 32 hex digits of SHA-256(key). Should two findings
// still share an ID (a source that repeats a fingerprint), the later ones by
// position get "#<n>" appended, so distinct matches never collide. One
// finding open on several branches keeps one ID (the encoder tells the
// branches apart).
func AssignIDs(fs []Finding) { new(IDAssigner).Assign(fs) }

// IDAssigner gives ids page by page to the findings of one repository read
// from the API, so no page has to wait for the others. It remembers the
// ids (and derived keys) it gave, so a repeat on a later page gets its
// "#<n>" as it would in one call. Over one call it is AssignIDs; over pages
// it gives the same set of ids, and the same id to every finding unless
// two findings share an id across pages: then "#<n>" follows page order,
// not position (API findings carry platform and match-based ids, so this
// needs Semgrep to report one match-based id twice on one branch). Its
// memory is the repository's ids, not its findings.
type IDAssigner struct {
	occurrences map[string]int
	// seen counts the ids given, per branch; the keys are the findings'
	// own strings (a large repository's ids are most of its cost).
	seen map[string]map[string]int32
}

// Assign gives the findings of one page their ids.
func (a *IDAssigner) Assign(fs []Finding) {
	if a.seen == nil {
		a.occurrences, a.seen = map[string]int{}, map[string]map[string]int32{}
	}
	// Derived keys need an occurrence index in position order.
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return positionLess(&fs[order[a]], &fs[order[b]]) })

	occurrences := a.occurrences
	for _, i := range order {
		f := &fs[i]
		var key string
		switch {
		case f.MatchBasedID != "" && f.MatchBasedID != NotLoggedIn:
			key = "m\x00" + f.MatchBasedID
		case f.PlatformID != "":
			key = "p\x00" + f.PlatformID
		default:
			base := "d\x00" + f.RuleID + "\x00" + f.Path + "\x00" + matchShape(f)
			// Occurrences count per branch: each branch is its own file tree.
			n := occurrences[base+"\x00"+f.Branch]
			occurrences[base+"\x00"+f.Branch] = n + 1
			key = base + "\x00" + strconv.Itoa(n)
		}
		f.ID = hashID(key)
	}

	seen := a.seen
	for _, i := range order {
		f := &fs[i]
		// The same finding on two branches rightly shares its ID.
		onBranch := seen[f.Branch]
		if onBranch == nil {
			onBranch = map[string]int32{}
			seen[f.Branch] = onBranch
		}
		n := onBranch[f.ID]
		onBranch[f.ID] = n + 1
		if n > 0 {
			f.ID += "#" + strconv.Itoa(int(n))
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

// matchShape is what survives a line move: "<start col>:<end col>:<lines
// spanned>".
func matchShape(f *Finding) string {
	span := 0
	if f.EndLine > f.StartLine {
		span = f.EndLine - f.StartLine
	}
	return strconv.Itoa(f.StartColumn) + ":" + strconv.Itoa(f.EndColumn) + ":" + strconv.Itoa(span)
}
