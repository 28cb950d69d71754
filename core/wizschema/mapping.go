package wizschema

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// CustomerIntegrationID is the integration id Wiz gives every customer
// (partners get their own).
const CustomerIntegrationID = "55c176cc-d155-43a2-98ed-aa56873a1ca1"

// Options control an encoding run.
type Options struct {
	// IntegrationID defaults to CustomerIntegrationID.
	IntegrationID string
	// VCSHosts maps extra hosts to a VCS enum word for self-hosted
	// GitHub/GitLab/Bitbucket/Azure (e.g. "git.acme.corp": "GitLab"). It is
	// the `wiz.vcs_hosts` setting; it is consulted before the built-in table.
	VCSHosts map[string]string
	// AnalysisDate is the run time; zero means time.Now().UTC().
	AnalysisDate time.Time
}

// normalize fills defaults and checks VCSHosts, returning a copy whose
// VCSHosts has lower-case host keys and canonical enum values.
func (o Options) normalize() (Options, error) {
	if strings.TrimSpace(o.IntegrationID) == "" {
		o.IntegrationID = CustomerIntegrationID
	}
	if o.AnalysisDate.IsZero() {
		o.AnalysisDate = time.Now()
	}
	o.AnalysisDate = o.AnalysisDate.UTC().Truncate(time.Second)
	if y := o.AnalysisDate.Year(); y < 1 || y > 9999 {
		return o, fmt.Errorf("analysis date %v is out of range", o.AnalysisDate)
	}
	hosts, err := normalizeHosts(o.VCSHosts)
	if err != nil {
		return o, err
	}
	o.VCSHosts = hosts
	return o, nil
}

func normalizeHosts(in map[string]string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		host := hostKey(k)
		if host == "" {
			return nil, fmt.Errorf("wiz.vcs_hosts: %q is not a host name", k)
		}
		vcs, ok := canonicalVCS(v)
		if !ok {
			return nil, fmt.Errorf("wiz.vcs_hosts[%q]: %q is not a Wiz VCS (use one of %s)", k, v, strings.Join(vcsEnum, ", "))
		}
		out[host] = vcs
	}
	return out, nil
}

// hostKey accepts "git.acme.corp", "Git.Acme.Corp:8443" or a URL.
func hostKey(k string) string {
	k = strings.TrimSpace(k)
	if strings.Contains(k, "/") {
		return finding.RepoHost(k + "/x")
	}
	if h, _, ok := strings.Cut(k, ":"); ok {
		k = h
	}
	return strings.ToLower(strings.TrimSuffix(k, "."))
}

// canonicalVCS matches a VCS word case-insensitively against the enum.
func canonicalVCS(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, v := range vcsEnum {
		if strings.EqualFold(v, s) {
			return v, true
		}
	}
	return "", false
}

// VCSFor names the Wiz VCS of a repository from its URL: the hosts map
// first, then github.com, gitlab.com, bitbucket.org, dev.azure.com and
// *.visualstudio.com, then hosts with a "github" or "gitlab" label
// (github.acme.com), then Bitbucket Data Center's /projects/<KEY>/repos/<repo>
// path. Anything else is an error that says how to configure it.
func VCSFor(repoURL string, hosts map[string]string) (string, error) {
	norm := finding.NormalizeRepoURL(repoURL)
	host, path, _ := strings.Cut(norm, "/")
	if host == "" {
		return "", fmt.Errorf("repository URL %q has no host, so its VCS is unknown", redactURL(repoURL))
	}
	for _, k := range sortedKeys(hosts) {
		if hostKey(k) != host {
			continue
		}
		v := hosts[k]
		vcs, ok := canonicalVCS(v)
		if !ok {
			return "", fmt.Errorf("wiz.vcs_hosts[%q]: %q is not a Wiz VCS (use one of %s)", k, v, strings.Join(vcsEnum, ", "))
		}
		return vcs, nil
	}
	switch {
	case host == "github.com" || host == "www.github.com":
		return "GitHub", nil
	case host == "gitlab.com" || host == "www.gitlab.com":
		return "GitLab", nil
	case host == "bitbucket.org" || host == "www.bitbucket.org":
		return "BitbucketCloud", nil
	case host == "dev.azure.com" || host == "ssh.dev.azure.com" || strings.HasSuffix(host, ".visualstudio.com"):
		return "AzureDevOps", nil
	}
	for _, label := range strings.Split(host, ".") {
		switch label {
		case "github":
			return "GitHub", nil
		case "gitlab":
			return "GitLab", nil
		}
	}
	if seg := strings.Split(path, "/"); len(seg) >= 4 && seg[0] == "projects" && seg[2] == "repos" {
		return "BitbucketDataCenter", nil
	}
	return "", fmt.Errorf("no Wiz VCS known for repository host %q: set wiz.vcs_hosts in the config (e.g. %q: GitLab)", host, host)
}

// redactURL drops user info (a CI remote can carry a token there), query
// and fragment before a URL goes into an error message.
func redactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" {
		if at := strings.LastIndex(raw, "@"); at >= 0 {
			return "…@" + raw[at+1:]
		}
		return raw
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// RepositoryWebURL is the repository URL sent to Wiz: http(s) URLs keep
// their scheme, host and port but lose user info, query, ".git" and the
// trailing slash; SSH and scp-like URLs become https://<NormalizeRepoURL>.
// Bitbucket Data Center clone paths (/scm/<key>/<repo>) become the web
// form /projects/<KEY>/repos/<repo> Wiz documents. "" when nothing usable.
func RepositoryWebURL(raw, vcs string) string {
	raw = strings.TrimSpace(raw)
	var out string
	if u, err := url.Parse(raw); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		p := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), ".git")
		p = strings.TrimRight(p, "/")
		if p == "" {
			return ""
		}
		out = u.Scheme + "://" + strings.ToLower(u.Host) + p
	} else if n := finding.NormalizeRepoURL(raw); n != "" {
		out = "https://" + n
	} else {
		return ""
	}
	if vcs == "BitbucketDataCenter" {
		out = bitbucketDCWebURL(out)
	}
	return out
}

func bitbucketDCWebURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	host, path, _ := strings.Cut(rest, "/")
	seg := strings.Split(path, "/")
	if len(seg) != 3 || seg[0] != "scm" {
		return u
	}
	if user, ok := strings.CutPrefix(seg[1], "~"); ok {
		return scheme + "://" + host + "/users/" + user + "/repos/" + seg[2]
	}
	return scheme + "://" + host + "/projects/" + strings.ToUpper(seg[1]) + "/repos/" + seg[2]
}

// FindingID is the Wiz id of a finding on a branch: the finding's own id
// on the default branch (or when the branch is unknown), else
// "<id>@<branch>", because one finding can be open on several branches of
// the same data source and Wiz ids must not collide across its assets.
func FindingID(id, branch string, isDefault bool) string {
	branch = finding.NormalizeBranch(branch)
	if isDefault || branch == "" {
		return id
	}
	return id + "@" + branch
}

// AssetID is the Wiz asset id of a repository branch:
// finding.DataSourceID(repo) + "@" + branch. Like the data source id it
// never changes for a given repository and branch.
func AssetID(repo finding.Repository, branch string) string {
	return finding.DataSourceID(repo) + "@" + finding.NormalizeBranch(branch)
}

// AssetInput describes one repository branch to encode.
type AssetInput struct {
	Repo      finding.Repository
	Branch    string
	IsDefault bool
	// VCS is a Wiz VCS word; empty means VCSFor(Repo.URL, Options.VCSHosts).
	VCS string
	// AnalysisDate is when this branch was scanned; zero means the run
	// time (Options.AnalysisDate).
	AnalysisDate time.Time
}

// MapAsset builds the repositoryBranch of an asset.
func MapAsset(a AssetInput, hosts map[string]string) (RepositoryBranch, error) {
	branch := finding.NormalizeBranch(a.Branch)
	if branch == "" {
		return RepositoryBranch{}, fmt.Errorf("repository %q: asset has no branch name", repoLabel(a.Repo))
	}
	vcs := a.VCS
	if vcs != "" {
		c, ok := canonicalVCS(vcs)
		if !ok {
			return RepositoryBranch{}, fmt.Errorf("repository %q: %q is not a Wiz VCS (use one of %s)", repoLabel(a.Repo), vcs, strings.Join(vcsEnum, ", "))
		}
		vcs = c
	} else {
		v, err := VCSFor(a.Repo.URL, hosts)
		if err != nil {
			return RepositoryBranch{}, fmt.Errorf("repository %q: %w", repoLabel(a.Repo), err)
		}
		vcs = v
	}
	webURL := RepositoryWebURL(a.Repo.URL, vcs)
	if webURL == "" {
		return RepositoryBranch{}, fmt.Errorf("repository %q: no usable repository URL (got %q)", repoLabel(a.Repo), redactURL(a.Repo.URL))
	}
	name := strings.Trim(a.Repo.Name, "/ ")
	if name == "" {
		_, name, _ = strings.Cut(finding.NormalizeRepoURL(a.Repo.URL), "/")
	}
	isDefault := a.IsDefault
	return RepositoryBranch{
		AssetID:    AssetID(a.Repo, branch),
		AssetName:  name + ":" + branch,
		BranchName: branch,
		IsDefault:  &isDefault,
		Repository: Repository{Name: name, URL: webURL},
		VCS:        vcs,
	}, nil
}

func repoLabel(r finding.Repository) string {
	if r.Name != "" {
		return r.Name
	}
	return redactURL(r.URL)
}

// findingContext is what the mapping needs to know about the asset a
// finding lands on.
type findingContext struct {
	branch    string
	isDefault bool
	repoURL   string // web URL, for commit links
	vcs       string

	// The last commit link built: every finding of a scan shares it.
	lastSHA, lastCommitURL string
}

// MapFinding maps one finding using only what the finding itself says
// (its Branch, IsDefaultBranch and Repo). The encoder maps with the
// asset's branch, repository URL and VCS instead, which gives the same
// result whenever the finding's own fields are filled in.
func MapFinding(f *finding.Finding) SASTFinding {
	vcs, _ := VCSFor(f.Repo.URL, nil)
	return mapFinding(f, &findingContext{
		branch:    f.Branch,
		isDefault: f.IsDefaultBranch,
		repoURL:   RepositoryWebURL(f.Repo.URL, vcs),
		vcs:       vcs,
	})
}

func mapFinding(f *finding.Finding, c *findingContext) SASTFinding {
	name := strings.TrimSpace(f.RuleName)
	if name == "" {
		name = strings.TrimSpace(f.RuleID)
	}
	sf := SASTFinding{
		ID:                   FindingID(f.ID, c.branch, c.isDefault),
		Name:                 name,
		Severity:             f.Severity.Wiz(),
		FilePath:             f.Path,
		Weaknesses:           weaknesses(f.CWEs),
		CommitHash:           strings.TrimSpace(f.Commit),
		ExternalFindingLink:  f.Link,
		StartLine:            positive(f.StartLine),
		EndLine:              positive(f.EndLine),
		StartColumn:          positive(f.StartColumn),
		EndColumn:            positive(f.EndColumn),
		CodeLibraryLanguages: languages(f.Languages),
	}
	if sf.ExternalFindingLink == "" {
		sf.ExternalFindingLink = f.LineURL
	}
	if strings.TrimSpace(f.Snippet) != finding.NotLoggedIn {
		sf.Snippet = f.Snippet
	}
	if sf.CommitHash != c.lastSHA || c.lastSHA == "" {
		c.lastSHA, c.lastCommitURL = sf.CommitHash, commitURL(c.repoURL, c.vcs, sf.CommitHash)
	}
	sf.CommitURL = c.lastCommitURL
	sf.Description = description(f, name, sf.Severity)
	return sf
}

func positive(n int) int {
	if n < 1 {
		return 0
	}
	return n
}

// weaknesses re-checks CWE ids against the schema pattern. Ids that can
// still be normalised ("CWE-89: SQL…") are repaired; the rest are dropped,
// never the finding. The input slice is reused when it is already clean.
func weaknesses(in []string) []string {
	clean := true
	for i, s := range in {
		if !isCWE(s) || containsBefore(in, i, s) {
			clean = false
			break
		}
	}
	if clean {
		return in
	}
	var out []string
	for _, s := range in {
		c, ok := finding.NormalizeCWE(s)
		if !ok || !isCWE(c) || containsBefore(out, len(out), c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func containsBefore(list []string, n int, s string) bool {
	for _, v := range list[:n] {
		if v == s {
			return true
		}
	}
	return false
}

// isCWE is the schema's ^CWE-\d+$ (ASCII digits, as Go's \d).
func isCWE(s string) bool {
	d, ok := strings.CutPrefix(s, "CWE-")
	if !ok || d == "" {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// languageNames maps Semgrep language names and common aliases (lower
// case) to Wiz's SASTCodeLibraryLanguage enum.
var languageNames = func() map[string]string {
	m := map[string]string{
		"js": "Javascript", "jsx": "Javascript", "node": "Javascript",
		"ts": "Typescript", "tsx": "Typescript",
		"c#": "Csharp", "cs": "Csharp",
		"c++": "Cpp", "cxx": "Cpp",
		"bash": "Sh", "shell": "Sh", "zsh": "Sh",
		"docker": "Dockerfile",
		"tf":     "Terraform",
		"yml":    "Yaml",
		"golang": "Go",
		"py":     "Python", "python2": "Python", "python3": "Python",
		"rb": "Ruby", "kt": "Kotlin", "sol": "Solidity", "ex": "Elixir",
		"el": "Lisp", "elisp": "Lisp", "scm": "Scheme", "generic": "Generic",
	}
	for _, v := range languageEnum {
		m[strings.ToLower(v)] = v
	}
	return m
}()

// languages maps to the enum, dropping unknown languages and duplicates.
func languages(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	var out []string
	for _, l := range in {
		w, ok := languageNames[strings.ToLower(strings.TrimSpace(l))]
		if !ok || containsBefore(out, len(out), w) {
			continue
		}
		if out == nil {
			out = make([]string, 0, len(in))
		}
		out = append(out, w)
	}
	return out
}

// LanguageFor maps one Semgrep language name to the Wiz enum word.
func LanguageFor(lang string) (string, bool) {
	w, ok := languageNames[strings.ToLower(strings.TrimSpace(lang))]
	return w, ok
}

// commitURL links the commit for GitHub and GitLab, the two whose commit
// URL form is certain, and only for a plausible hexadecimal hash.
func commitURL(repoURL, vcs, sha string) string {
	if repoURL == "" || !isHexSHA(sha) {
		return ""
	}
	switch vcs {
	case "GitHub":
		return repoURL + "/commit/" + sha
	case "GitLab":
		return repoURL + "/-/commit/" + sha
	}
	return ""
}

func isHexSHA(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// description follows Wiz's advice: name, severity, file and line first,
// then the rule's message, then the facts that help triage:
//
//	Tainted SQL string (High) in app/db.py:42
//
//	<message>
//
//	Rule: <rule id> · Confidence: medium · OWASP: A03:2021 - Injection
func description(f *finding.Finding, name, severity string) string {
	var b strings.Builder
	b.Grow(len(name) + len(f.Path) + len(f.Message) + len(f.RuleID) + 96)
	b.WriteString(name)
	b.WriteString(" (")
	b.WriteString(severity)
	b.WriteString(")")
	if f.Path != "" {
		// f.Location() without its allocations.
		b.WriteString(" in ")
		b.WriteString(f.Path)
		if f.StartLine > 0 {
			var num [20]byte
			b.WriteByte(':')
			b.Write(strconv.AppendInt(num[:0], int64(f.StartLine), 10))
		}
	}
	if msg := strings.TrimSpace(f.Message); msg != "" {
		b.WriteString("\n\n")
		b.WriteString(msg)
	}
	sep := "\n\n"
	fact := func(label, value string) {
		if value == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(label)
		b.WriteString(": ")
		b.WriteString(value)
		sep = " · "
	}
	fact("Rule", f.RuleID)
	fact("Confidence", strings.ToLower(strings.TrimSpace(f.Confidence)))
	if len(f.OWASP) > 0 {
		fact("OWASP", strings.Join(f.OWASP, ", "))
	}
	return b.String()
}

// sortedKeys makes the host lookup deterministic when two keys name the
// same host.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
