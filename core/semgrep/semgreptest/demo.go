package semgreptest

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Tokens of the demo dataset. They are not secrets: they only open the
// local stand-in.
const (
	DemoToken        = "demo-semgrep-web-api-token"
	DemoNoScopeToken = "demo-semgrep-cli-token"
)

const day = 24 * time.Hour

// repoSpec describes one demo repository.
type repoSpec struct {
	name, url     string
	gitlab        bool // GitLab-style permalinks (/-/blob/)
	langs         []string
	defaultBranch string // full refs
	primaryBranch string
	otherBranch   string // a second long-lived branch, full ref ("" for none)
	shortRefs     bool   // the CI reports short branch names (GitLab CI, Jenkins)
	findings      int
	sca           int  // Supply Chain findings (issue_type=sca)
	staleFullScan bool // no full scan in the past 30 days
	archived      bool
	legacyStatus  bool // findings carry no "status" (older API)
	pyTimes       bool // timestamps in the spec's Python form
	failedLatest  bool // the newest full scan errored
	tags          []string
}

var demoRepos = []repoSpec{
	{name: "acme/payments-api", url: "https://github.com/acme/payments-api", langs: []string{"python", "dockerfile", "yaml"},
		defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main", otherBranch: "refs/heads/release/2024.11",
		findings: 620, tags: []string{"team:payments", "tier:1"}},
	{name: "acme/web-frontend", url: "https://github.com/acme/web-frontend", langs: []string{"typescript", "javascript"},
		defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main", findings: 700, sca: 14,
		tags: []string{"team:web"}},
	{name: "acme/inventory-service", url: "https://github.com/acme/inventory-service", langs: []string{"go", "dockerfile"},
		defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main", findings: 400, failedLatest: true,
		tags: []string{"team:supply"}},
	{name: "acme/mobile-backend", url: "https://github.com/acme/mobile-backend", langs: []string{"java", "kotlin"},
		defaultBranch: "refs/heads/develop", primaryBranch: "refs/heads/main", otherBranch: "refs/heads/develop",
		findings: 350, tags: []string{"team:mobile"}},
	{name: "acme-group/data-pipeline", url: "https://gitlab.com/acme-group/data-pipeline", gitlab: true,
		langs: []string{"python", "scala"}, defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main",
		otherBranch: "refs/heads/develop", shortRefs: true, findings: 300, pyTimes: true, tags: []string{"team:data"}},
	{name: "platform/auth-gateway", url: "https://git.acme-corp.internal/platform/auth-gateway", gitlab: true,
		langs: []string{"go", "terraform"}, defaultBranch: "refs/heads/master", primaryBranch: "refs/heads/master",
		shortRefs: true, findings: 250, pyTimes: true, tags: []string{"team:platform", "tier:0"}},
	{name: "acme/legacy-billing", url: "https://github.com/acme/legacy-billing", langs: []string{"ruby", "php"},
		defaultBranch: "refs/heads/master", primaryBranch: "refs/heads/master", findings: 240, staleFullScan: true,
		legacyStatus: true, tags: []string{"team:payments", "legacy"}},
	{name: "acme/old-reporting", url: "https://github.com/acme/old-reporting", langs: []string{"python"},
		defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main", findings: 120, archived: true},
	{name: "acme/docs-site", url: "https://github.com/acme/docs-site", langs: []string{"javascript"},
		defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main", findings: 0, tags: []string{"docs"}},
}

// DemoDataset is the built-in sample organisation of demo mode: nine
// repositories on github.com, gitlab.com and a self-hosted GitLab, about
// three thousand findings of every severity and status on main, release,
// develop and pull-request refs (full and short forms), diff-scan-only
// findings, a repository without a full scan in 30 days, an archived one,
// one with no findings, and both timestamp forms. The same now gives the
// same dataset.
func DemoDataset(now time.Time) *Dataset {
	g := newGen(1, now)
	ds := &Dataset{
		Token: DemoToken, NoScopeToken: DemoNoScopeToken, Now: now,
		Deployment: Deployment{ID: 4242, Slug: "acme-corp", Name: "Acme Corp"},
	}
	for i, spec := range demoRepos {
		ds.Projects = append(ds.Projects, g.project(int64(1001+i), spec))
	}
	return ds
}

// Spread says how a generated dataset shares its findings among its
// repositories.
type Spread string

const (
	// SpreadEven gives every repository the same number of findings.
	SpreadEven Spread = "even"
	// SpreadZipf gives the k-th repository a share proportional to 1/k, as
	// real organisations are skewed: with 2,000 repositories and 1,000,000
	// findings the largest holds about 122,000.
	SpreadZipf Spread = "zipf"
	// SpreadMono puts every finding in the first repository (a monorepo);
	// the others have none.
	SpreadMono Spread = "mono"
)

// ParseSpread reads a --spread value.
func ParseSpread(s string) (Spread, error) {
	switch sp := Spread(strings.ToLower(strings.TrimSpace(s))); sp {
	case SpreadEven, SpreadZipf, SpreadMono:
		return sp, nil
	}
	return "", fmt.Errorf("unknown spread %q (even, zipf or mono)", s)
}

// Shares splits findings among repos as spread says; the shares add up to
// findings, largest first.
func (spread Spread) Shares(repos, findings int) []int {
	if repos < 1 {
		repos = 1
	}
	out := make([]int, repos)
	switch spread {
	case SpreadMono:
		out[0] = findings
	case SpreadZipf:
		var sum float64
		for i := range repos {
			sum += 1 / float64(i+1)
		}
		given := 0
		for i := range repos {
			out[i] = int(float64(findings) / float64(i+1) / sum)
			given += out[i]
		}
		for i := 0; given < findings; i = (i + 1) % repos {
			out[i]++
			given++
		}
	default:
		for i := range repos {
			out[i] = findings / repos
			if i < findings%repos {
				out[i]++
			}
		}
	}
	return out
}

// GenerateDataset makes a dataset of the given size for scale tests:
// repos GitHub repositories sharing findings findings evenly.
func GenerateDataset(seed int64, repos, findings int, now time.Time) *Dataset {
	return GenerateSpread(seed, repos, findings, SpreadEven, now)
}

// GenerateSpread is GenerateDataset with the findings spread as asked.
func GenerateSpread(seed int64, repos, findings int, spread Spread, now time.Time) *Dataset {
	g := newGen(seed, now)
	ds := &Dataset{
		Token: DemoToken, NoScopeToken: DemoNoScopeToken, Now: now,
		Deployment: Deployment{ID: 9000 + seed%1000, Slug: "scale-org", Name: "Scale Org"},
	}
	if repos < 1 {
		repos = 1
	}
	langSets := [][]string{{"python"}, {"typescript", "javascript"}, {"go"}, {"java", "kotlin"}, {"ruby"}, {"php"}}
	shares := spread.Shares(repos, findings)
	for i := range repos {
		n := shares[i]
		name := fmt.Sprintf("scale-org/service-%04d", i)
		spec := repoSpec{
			name: name, url: "https://github.com/" + name, langs: langSets[i%len(langSets)],
			defaultBranch: "refs/heads/main", primaryBranch: "refs/heads/main", findings: n,
		}
		ds.Projects = append(ds.Projects, g.project(int64(100000+i), spec))
	}
	return ds
}

type gen struct {
	r           *rand.Rand
	now         time.Time
	nextFinding int64
	nextScan    int64
}

func newGen(seed int64, now time.Time) *gen {
	return &gen{
		r:           rand.New(rand.NewPCG(uint64(seed), 0x5e6f2e9)),
		now:         now.UTC().Truncate(time.Second),
		nextFinding: 61_000_000,
		nextScan:    27_000_000,
	}
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) ago(lo, hi time.Duration) time.Time {
	return g.now.Add(-(lo + time.Duration(g.r.Int64N(int64(hi-lo)+1))))
}

// refFor is how the repository's CI reports a branch.
func (s *repoSpec) refFor(full string) string {
	if s.shortRefs {
		return strings.TrimPrefix(full, "refs/heads/")
	}
	return full
}

func (g *gen) project(id int64, spec repoSpec) Project {
	p := Project{
		ID: id, Name: spec.name, URL: spec.url, Tags: spec.tags,
		DefaultBranch: spec.defaultBranch, PrimaryBranch: spec.primaryBranch,
		CreatedAt: g.ago(400*day, 700*day), Archived: spec.archived,
	}
	primary := spec.refFor(spec.primaryBranch)

	// Weekly full scans of the primary branch over twelve weeks.
	var fulls []Scan
	for k := 12; k >= 0; k-- {
		age := time.Duration(k*7+1)*day + time.Duration(g.r.IntN(20))*time.Hour
		if spec.staleFullScan {
			age += 45 * day
		}
		if spec.archived {
			age += 200 * day
		}
		fulls = append(fulls, g.scan(primary, true, g.now.Add(-age)))
	}
	if spec.failedLatest {
		last := &fulls[len(fulls)-1]
		last.Status, last.ExitCode = "SCAN_STATUS_ERROR", 2
	}
	p.Scans = append(p.Scans, fulls...)

	var others []Scan
	other := ""
	if spec.otherBranch != "" {
		other = spec.refFor(spec.otherBranch)
		for range 3 {
			others = append(others, g.scan(other, true, g.ago(2*day, 25*day)))
		}
		p.Scans = append(p.Scans, others...)
	}

	// Pull/merge requests with diff-aware scans.
	type pr struct {
		ref   string
		scans []Scan
	}
	var prs []pr
	if !spec.archived {
		for i := range 3 + g.r.IntN(4) {
			n := 100 + g.r.IntN(900)
			ref := "refs/pull/" + strconv.Itoa(n) + "/merge"
			if spec.shortRefs {
				ref = fmt.Sprintf("feature/%s-%d", []string{"login", "export", "retry", "cache", "audit", "search"}[i%6], n)
			}
			x := pr{ref: ref}
			for range 1 + g.r.IntN(3) {
				x.scans = append(x.scans, g.scan(ref, false, g.ago(1*day, 25*day)))
			}
			prs = append(prs, x)
			p.Scans = append(p.Scans, x.scans...)
		}
	}
	if id%7 == 1 && !spec.archived {
		running := g.scan(primary, true, g.now.Add(-20*time.Minute))
		running.Status, running.CompletedAt = "SCAN_STATUS_RUNNING", time.Time{}
		stuck := g.scan(primary, false, g.ago(3*day, 5*day))
		stuck.Status, stuck.CompletedAt, stuck.ExitCode = "SCAN_STATUS_NEVER_FINISHED", time.Time{}, -1
		p.Scans = append(p.Scans, running, stuck)
	}
	for _, s := range p.Scans {
		if s.StartedAt.After(p.LatestScanAt) {
			p.LatestScanAt = s.StartedAt
		}
	}

	fg := findingGen{gen: g, spec: &spec, occ: map[string]int{}}
	var onMain []int // indexes of findings on the primary branch
	for range spec.findings {
		switch x := g.r.IntN(100); {
		case x < 12 && len(prs) > 0:
			pr := prs[g.r.IntN(len(prs))]
			sc := pr.scans[g.r.IntN(len(pr.scans))]
			if x < 6 && len(onMain) > 0 {
				// The same match seen on the PR: same match_based_id, new id.
				p.Findings = append(p.Findings, fg.onRef(p.Findings[onMain[g.r.IntN(len(onMain))]], pr.ref, sc))
			} else {
				// Only a diff-aware scan has ever seen it.
				p.Findings = append(p.Findings, fg.fresh(pr.ref, sc, false))
			}
		case x < 20 && other != "":
			p.Findings = append(p.Findings, fg.fresh(other, others[g.r.IntN(len(others))], true))
		default:
			onMain = append(onMain, len(p.Findings))
			p.Findings = append(p.Findings, fg.fresh(primary, fulls[g.r.IntN(len(fulls))], true))
		}
	}
	for range spec.sca {
		p.Findings = append(p.Findings, fg.sca(primary, fulls[len(fulls)-1]))
	}
	for _, f := range p.Findings {
		for i := range p.Scans {
			if p.Scans[i].ID == f.FirstSeenScanID {
				p.Scans[i].CodeCount++
			}
		}
	}
	return p
}

func (g *gen) scan(branch string, full bool, start time.Time) Scan {
	g.nextScan += 1 + int64(g.r.IntN(40))
	exit := 0
	if g.r.IntN(3) == 0 {
		exit = 1 // findings with --error: still a completed scan
	}
	return Scan{
		ID: g.nextScan, Branch: branch, Commit: g.hex(40), IsFullScan: full,
		Status: "SCAN_STATUS_COMPLETED", StartedAt: start,
		CompletedAt: start.Add(time.Duration(40+g.r.IntN(900)) * time.Second), ExitCode: exit,
	}
}

type findingGen struct {
	*gen
	spec *repoSpec
	occ  map[string]int
}

func (fg *findingGen) stamp(t time.Time) string {
	py := fg.spec.pyTimes
	if fg.r.IntN(10) == 0 {
		py = !py // both forms appear everywhere, one dominates per repository
	}
	if py {
		return stampPy(t)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func (fg *findingGen) permalink(commit, path string, line int) string {
	sep := "/blob/"
	if fg.spec.gitlab {
		sep = "/-/blob/"
	}
	return fg.spec.url + sep + commit + "/" + path + "#L" + strconv.Itoa(line)
}

// fresh makes a new finding on ref, first seen by scan sc.
func (fg *findingGen) fresh(ref string, sc Scan, mayBeOld bool) Finding {
	g := fg.gen
	lang := fg.spec.langs[g.r.IntN(len(fg.spec.langs))]
	rules := rulesByLang[lang]
	rule := rules[g.r.IntN(len(rules))]
	path := fg.path(lang)
	variant := g.r.IntN(3)
	key := rule.id + "\x00" + path + "\x00" + strconv.Itoa(variant)
	idx := fg.occ[key]
	fg.occ[key] = idx + 1
	sum := sha512.Sum512([]byte(key))
	syn := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(idx)))

	created := sc.StartedAt.Add(time.Duration(60_000_000+g.r.IntN(600_000_000)) * time.Microsecond)
	scanID := sc.ID
	if mayBeOld && g.r.IntN(10) < 3 {
		// First seen long ago, by a scan older than the search window.
		created = g.ago(100*day, 420*day).Add(time.Duration(g.r.IntN(1_000_000)) * time.Microsecond)
		scanID = 10_000_000 + g.r.Int64N(9_000_000)
	}
	relevant := created
	if g.r.IntN(20) == 0 {
		relevant = g.ago(1*day, 20*day) // re-introduced
	}
	line := 1 + g.r.IntN(780)
	endLine := line + g.r.IntN(3)
	col := 1 + g.r.IntN(24)
	g.nextFinding += 1 + int64(g.r.IntN(5))

	f := Finding{
		ID: g.nextFinding, Ref: ref, FirstSeenScanID: scanID,
		SyntacticID:  hex.EncodeToString(syn[:16]),
		MatchBasedID: hex.EncodeToString(sum[:]) + "_" + strconv.Itoa(idx),
		Severity:     rule.severity, Confidence: rule.confidence, Categories: []string{"security"},
		CreatedAt: fg.stamp(created), RelevantSince: fg.stamp(relevant),
		RuleName: rule.id, RuleMessage: rule.message,
		Location: &Location{FilePath: path, Line: line, Column: col, EndLine: endLine,
			EndColumn: col + 8 + g.r.IntN(60)},
		Repository:    Repository{Name: fg.spec.name, URL: fg.spec.url},
		LineOfCodeURL: fg.permalink(sc.Commit, path, line),
		Rule: Rule{Name: rule.id, Message: rule.message, Confidence: rule.confidence, Category: "security",
			Subcategories: []string{rule.sub}, VulnerabilityClasses: []string{rule.class},
			CWENames: rule.cwes, OWASPNames: rule.owasp},
		SourcingPolicy: &policies[g.r.IntN(len(policies))],
	}
	fg.triage(&f, !sc.IsFullScan)
	return f
}

// onRef copies a finding onto another ref, as Semgrep records the same
// match found on a pull request.
func (fg *findingGen) onRef(src Finding, ref string, sc Scan) Finding {
	g := fg.gen
	g.nextFinding += 1 + int64(g.r.IntN(5))
	f := src
	f.ID, f.Ref, f.FirstSeenScanID = g.nextFinding, ref, sc.ID
	created := sc.StartedAt.Add(90 * time.Second)
	f.CreatedAt, f.RelevantSince = fg.stamp(created), fg.stamp(created)
	f.LineOfCodeURL = fg.permalink(sc.Commit, f.Location.FilePath, f.Location.Line)
	f.TriagedAt, f.TriageComment, f.TriageReason, f.StateUpdatedAt = nil, nil, nil, nil
	fg.triage(&f, true)
	return f
}

var policies = []Policy{
	{ID: 116029, Name: "Rule Board - Audit column", Slug: "rule-board-audit"},
	{ID: 116030, Name: "Rule Board - PR Comments column", Slug: "rule-board-pr-comments"},
	{ID: 116031, Name: "Rule Board - Block column", Slug: "rule-board-block"},
}

var triageReasons = []string{"false_positive", "acceptable_risk", "no_time"}

// triage sets state, triage state and status. Pull-request findings are
// mostly open.
func (fg *findingGen) triage(f *Finding, pr bool) {
	g := fg.gen
	f.State, f.TriageState, f.Status = "unresolved", "untriaged", "open"
	x := g.r.IntN(100)
	if pr {
		// Pull-request findings: a few fixed by a later push, the rest open.
		if x < 8 {
			x = 0
		} else {
			x = 99
		}
	}
	when := fg.stamp(g.ago(1*day, 60*day))
	switch {
	case x < 10:
		f.State, f.Status = "fixed", "fixed"
		f.StateUpdatedAt = &when
	case x < 16:
		reason := triageReasons[g.r.IntN(len(triageReasons))]
		comment := "triaged in weekly review"
		f.TriageState, f.Status = "ignored", "ignored"
		f.TriagedAt, f.TriageReason, f.TriageComment = &when, &reason, &comment
	case x < 18:
		f.State, f.Status = "muted", "ignored" // nosemgrep in the code
	case x < 21:
		f.TriageState, f.Status = "reviewing", "reviewing"
		f.TriagedAt = &when
	case x < 24:
		f.TriageState, f.Status = "fixing", "fixing"
		f.TriagedAt = &when
	case x < 28:
		f.TriageState, f.Status = "provisionally_ignored", "provisionally_ignored"
	case x < 31:
		f.TriageState = "reopened"
	}
	if fg.spec.legacyStatus {
		f.Status = ""
	}
}

func (fg *findingGen) sca(ref string, sc Scan) Finding {
	g := fg.gen
	g.nextFinding += 1 + int64(g.r.IntN(5))
	d := scaDeps[g.r.IntN(len(scaDeps))]
	line := 1 + g.r.IntN(9000)
	key := "ssc\x00" + d.cve + "\x00" + strconv.Itoa(line)
	sum := sha512.Sum512([]byte(key))
	created := fg.stamp(sc.StartedAt.Add(2 * time.Minute))
	f := Finding{
		ID: g.nextFinding, Ref: ref, FirstSeenScanID: sc.ID,
		MatchBasedID: hex.EncodeToString(sum[:]) + "_0",
		State:        "unresolved", TriageState: "untriaged", Status: "open",
		Severity: d.severity, Confidence: "high", Categories: []string{"security"},
		CreatedAt: created, RelevantSince: created,
		RuleName: "ssc-" + d.uuid, RuleMessage: d.message,
		Location:      &Location{FilePath: "package-lock.json", Line: line, Column: 5, EndLine: line, EndColumn: 40},
		Repository:    Repository{Name: fg.spec.name, URL: fg.spec.url},
		LineOfCodeURL: fg.permalink(sc.Commit, "package-lock.json", line),
		Rule: Rule{Name: "ssc-" + d.uuid, Message: d.message, Confidence: "high", Category: "security",
			CWENames: []string{d.cwe}},
		VulnID:          d.cve,
		FoundDependency: &FoundDepend{Package: d.pkg, Version: d.version, Ecosystem: "npm"},
	}
	if fg.spec.legacyStatus {
		f.Status = ""
	}
	return f
}

func (fg *findingGen) path(lang string) string {
	l := layouts[lang]
	dir := l.dirs[fg.r.IntN(len(l.dirs))]
	name := l.names[fg.r.IntN(len(l.names))]
	if l.ext == "" {
		return dir + name
	}
	return dir + name + "." + l.ext
}

type layout struct {
	dirs  []string
	names []string
	ext   string
}

var layouts = map[string]layout{
	"python":     {[]string{"app/api/", "app/services/", "app/models/", "scripts/", "app/"}, []string{"views", "handlers", "auth", "payments", "reports", "utils", "db", "tasks"}, "py"},
	"javascript": {[]string{"src/", "src/lib/", "server/routes/", "public/js/"}, []string{"index", "api", "session", "upload", "render", "search"}, "js"},
	"typescript": {[]string{"src/app/", "src/components/", "src/services/", "server/"}, []string{"Login", "Checkout", "Profile", "api", "fetcher", "Chip", "Markdown"}, "tsx"},
	"go":         {[]string{"internal/store/", "internal/http/", "cmd/server/", "pkg/auth/"}, []string{"handler", "query", "main", "token", "client", "exec"}, "go"},
	"java":       {[]string{"src/main/java/com/acme/mobile/api/", "src/main/java/com/acme/mobile/db/", "src/main/java/com/acme/mobile/xml/"}, []string{"UserController", "OrderRepository", "FeedParser", "TokenService"}, "java"},
	"kotlin":     {[]string{"src/main/kotlin/com/acme/mobile/", "src/main/kotlin/com/acme/mobile/web/"}, []string{"Cookies", "Session", "Routes"}, "kt"},
	"ruby":       {[]string{"app/controllers/", "app/views/invoices/", "lib/billing/"}, []string{"invoices_controller", "show.html", "exporter", "ledger"}, "rb"},
	"php":        {[]string{"legacy/", "legacy/admin/", "public/"}, []string{"invoice", "export", "upload", "login"}, "php"},
	"scala":      {[]string{"jobs/src/main/scala/com/acme/etl/"}, []string{"Ingest", "Transform", "Loader"}, "scala"},
	"terraform":  {[]string{"infra/", "infra/modules/network/", "infra/modules/storage/"}, []string{"main", "s3", "ec2", "iam"}, "tf"},
	"dockerfile": {[]string{"", "deploy/", "docker/"}, []string{"Dockerfile"}, ""},
	"yaml":       {[]string{".github/workflows/"}, []string{"ci", "release", "deploy"}, "yml"},
}

type demoRule struct {
	id, message, severity, confidence, class, sub string
	cwes, owasp                                   []string
}

var cweNames = map[string]string{
	"22":   "CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
	"78":   "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
	"79":   "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
	"89":   "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
	"250":  "CWE-250: Execution with Unnecessary Privileges",
	"295":  "CWE-295: Improper Certificate Validation",
	"327":  "CWE-327: Use of a Broken or Risky Cryptographic Algorithm",
	"330":  "CWE-330: Use of Insufficiently Random Values",
	"489":  "CWE-489: Active Debug Code",
	"502":  "CWE-502: Deserialization of Untrusted Data",
	"611":  "CWE-611: Improper Restriction of XML External Entity Reference",
	"614":  "CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute",
	"798":  "CWE-798: Use of Hard-coded Credentials",
	"918":  "CWE-918: Server-Side Request Forgery (SSRF)",
	"1333": "CWE-1333: Inefficient Regular Expression Complexity",
	"284":  "CWE-284: Improper Access Control",
}

var owaspFor = map[string][]string{
	"22":   {"A05:2017 - Broken Access Control", "A01:2021 - Broken Access Control"},
	"78":   {"A01:2017 - Injection", "A03:2021 - Injection"},
	"79":   {"A07:2017 - Cross-Site Scripting (XSS)", "A03:2021 - Injection"},
	"89":   {"A01:2017 - Injection", "A03:2021 - Injection"},
	"250":  {"A05:2021 - Security Misconfiguration"},
	"295":  {"A03:2017 - Sensitive Data Exposure", "A02:2021 - Cryptographic Failures"},
	"327":  {"A03:2017 - Sensitive Data Exposure", "A02:2021 - Cryptographic Failures"},
	"330":  {"A02:2021 - Cryptographic Failures"},
	"489":  {"A05:2021 - Security Misconfiguration"},
	"502":  {"A08:2017 - Insecure Deserialization", "A08:2021 - Software and Data Integrity Failures"},
	"611":  {"A04:2017 - XML External Entities (XXE)", "A05:2021 - Security Misconfiguration"},
	"614":  {"A05:2021 - Security Misconfiguration"},
	"798":  {"A07:2021 - Identification and Authentication Failures"},
	"918":  {"A10:2021 - Server-Side Request Forgery (SSRF)"},
	"284":  {"A01:2021 - Broken Access Control"},
	"1333": nil,
}

func rl(id, sev, conf, cwe, class, sub, msg string) demoRule {
	return demoRule{id: id, message: msg, severity: sev, confidence: conf, class: class, sub: sub,
		cwes: []string{cweNames[cwe]}, owasp: owaspFor[cwe]}
}

var rulesByLang = map[string][]demoRule{
	"python": {
		rl("python.django.security.injection.sql.sql-injection-using-db-cursor-execute.sql-injection-db-cursor-execute", "high", "high", "89", "SQL Injection", "vuln", "Request data reaches a raw cursor execute call, so an attacker could change the SQL it runs. Pass values as query parameters rather than building the string."),
		rl("python.lang.security.audit.subprocess-shell-true.subprocess-shell-true", "high", "medium", "78", "Command Injection", "audit", "A subprocess call runs with shell=True, so the command line is read by a shell. Any untrusted text in it could run extra commands."),
		rl("python.lang.security.deserialization.pickle.avoid-pickle", "medium", "low", "502", "Insecure Deserialization ", "audit", "Data is loaded with pickle, which can run arbitrary code while unpacking. Use a plain data format such as JSON for anything not fully trusted."),
		rl("python.requests.security.disabled-cert-validation.disabled-cert-validation", "high", "low", "295", "Improper Authentication", "vuln", "This request turns off TLS certificate checks. The client will then trust any server, including one sitting in the middle of the connection."),
		rl("python.flask.security.audit.debug-enabled.debug-enabled", "medium", "high", "489", "Active Debug Code", "audit", "The Flask app starts in debug mode. In production that exposes an interactive debugger and internal details to visitors."),
		rl("python.lang.security.audit.md5-used-as-password.md5-used-as-password", "low", "low", "327", "Cryptographic Issues", "audit", "Passwords appear to be hashed with MD5, which is fast and easy to crack. Use a dedicated password hashing function such as bcrypt or Argon2."),
		rl("python.jwt.security.jwt-hardcode.jwt-python-hardcoded-secret", "critical", "high", "798", "Hard-coded Secrets", "vuln", "The key used to sign JWTs is written in the code. Anyone who can read the source can forge tokens, so load it from configuration or a secret store."),
	},
	"javascript": {
		rl("javascript.express.security.audit.xss.direct-response-write.direct-response-write", "medium", "medium", "79", "Cross-Site-Scripting (XSS)", "vuln", "Input from the request is written straight into the response with no HTML escaping. A crafted value could inject script into the page."),
		rl("javascript.sequelize.security.audit.sequelize-injection-express.express-sequelize-injection", "high", "high", "89", "SQL Injection", "vuln", "A Sequelize query is built from request input. An attacker could alter the query unless values are bound as replacements or parameters."),
		rl("javascript.lang.security.audit.path-traversal.path-join-resolve-traversal.path-join-resolve-traversal", "medium", "low", "22", "Path Traversal", "audit", "Input that may come from a user is used in path.join or path.resolve. Sequences like ../ could reach files outside the intended folder."),
		rl("javascript.jsonwebtoken.security.jwt-hardcode.hardcoded-jwt-secret", "critical", "high", "798", "Hard-coded Secrets", "vuln", "The JWT signing secret is a literal in the source. Keep it out of the code so that a leak of the repository does not let others mint tokens."),
		rl("javascript.lang.security.audit.detect-non-literal-regexp.detect-non-literal-regexp", "low", "low", "1333", "Denial-of-Service (DoS)", "audit", "A regular expression is built from a value that is not a constant. A hostile pattern could make matching very slow and tie up the server."),
	},
	"typescript": {
		rl("typescript.react.security.audit.react-dangerouslysetinnerhtml.react-dangerouslysetinnerhtml", "medium", "medium", "79", "Cross-Site-Scripting (XSS)", "audit", "dangerouslySetInnerHTML is given a value that is not a fixed string. If that value holds user content, it can run script in the browser."),
		rl("javascript.browser.security.insecure-document-method.insecure-document-method", "high", "low", "79", "Cross-Site-Scripting (XSS)", "audit", "User data is placed into the page through innerHTML, outerHTML or document.write. Those APIs parse it as HTML, which opens the door to script injection."),
		rl("typescript.angular.security.audit.angular-domsanitizer.angular-bypasssecuritytrust", "high", "medium", "79", "Cross-Site-Scripting (XSS)", "vuln", "A bypassSecurityTrust method switches off Angular's built-in sanitizing. If the value comes from a user, it can inject script."),
		rl("javascript.express.security.audit.express-ssrf.express-ssrf", "critical", "medium", "918", "Server-Side Request Forgery (SSRF)", "vuln", "The server sends a request to an address taken from user input. An attacker could point it at internal services the server can reach."),
	},
	"go": {
		rl("go.lang.security.audit.database.string-formatted-query.string-formatted-query", "high", "low", "89", "SQL Injection", "audit", "A SQL query is assembled with string formatting. Unless every value is trusted, bind them as query arguments to avoid injection."),
		rl("go.lang.security.audit.dangerous-exec-command.dangerous-exec-command", "high", "low", "78", "Command Injection", "audit", "exec.Command runs a program whose name or arguments are not constant. Check where that value comes from, since it could let someone run other commands."),
		rl("go.lang.security.audit.crypto.use_of_weak_crypto.use-of-md5", "low", "medium", "327", "Cryptographic Issues", "vuln", "The code hashes with MD5, which is broken and open to collisions. Switch to SHA-256 or SHA-3."),
		rl("go.lang.security.audit.net.unescaped-data-in-url.unescaped-data-in-url", "medium", "low", "79", "Cross-Site-Scripting (XSS)", "audit", "A formatted string is wrapped in template.URL, which marks it as safe and skips escaping. Untrusted parts of it could lead to script injection."),
		rl("go.jwt-go.security.jwt.hardcoded-jwt-key", "critical", "medium", "798", "Hard-coded Secrets", "vuln", "The JWT key is fixed in the source. Anyone with the code could sign valid tokens, so read the key from a secret store instead."),
	},
	"java": {
		rl("java.lang.security.audit.sqli.jdbc-sqli.jdbc-sqli", "high", "low", "89", "SQL Injection", "audit", "A JDBC statement runs SQL built from a formatted string. Use a PreparedStatement with bound values so input cannot change the query."),
		rl("java.lang.security.audit.xxe.documentbuilderfactory-disallow-doctype-decl-missing.documentbuilderfactory-disallow-doctype-decl-missing", "high", "high", "611", "XML Injection", "vuln", "This DocumentBuilderFactory still accepts DOCTYPE declarations. A crafted XML file could then read local files or reach other hosts through external entities."),
		rl("java.lang.security.audit.crypto.weak-random.weak-random", "low", "medium", "330", "Cryptographic Issues", "audit", "Math.random or java.util.Random is used here, and neither is safe for secrets. Use SecureRandom where the value must be hard to guess."),
		rl("java.spring.security.injection.tainted-url-host.tainted-url-host", "critical", "medium", "918", "Server-Side Request Forgery (SSRF)", "vuln", "Request data decides the host of a URL the server then calls. That could let an attacker make the server contact hosts of their choosing."),
	},
	"kotlin": {
		rl("kotlin.lang.security.cookie-missing-secure-flag.cookie-missing-secure-flag", "low", "low", "614", "Cookie Security", "audit", "A cookie is set without the secure flag, so browsers may send it over plain HTTP where it can be read."),
		rl("kotlin.lang.security.command-injection-formatted-runtime-call.command-injection-formatted-runtime-call", "high", "low", "78", "Command Injection", "audit", "Runtime.exec receives a string built by formatting or concatenation. Untrusted parts of it could add commands of their own."),
	},
	"ruby": {
		rl("ruby.rails.security.audit.xss.avoid-html-safe.avoid-html-safe", "medium", "low", "79", "Cross-Site-Scripting (XSS)", "audit", "html_safe only marks a string as trusted and turns off escaping; it does not clean it. User content passed through it can inject script."),
		rl("ruby.lang.security.dangerous-exec.dangerous-exec", "critical", "medium", "78", "Command Injection", "vuln", "exec is called with a command that is not constant. Review its source, as outside input here could run arbitrary commands."),
		rl("ruby.rails.security.audit.sqli.active-record-raw-query.active-record-raw-query", "high", "low", "89", "SQL Injection", "audit", "ActiveRecord is given raw SQL text. Bind values as parameters so that input cannot rewrite the query."),
	},
	"php": {
		rl("php.lang.security.injection.tainted-sql-string.tainted-sql-string", "high", "medium", "89", "SQL Injection", "vuln", "A SQL string is put together from user data, which could let an attacker change the query. Use prepared statements with bound values."),
		rl("php.lang.security.unlink-use.unlink-use", "medium", "low", "22", "Path Traversal", "audit", "unlink deletes a file whose path comes from user input. A crafted path could remove files the app never meant to touch."),
		rl("php.lang.security.md5-loose-equality.md5-loose-equality", "low", "low", "327", "Cryptographic Issues", "audit", "An MD5 value is compared with loose equality. PHP type juggling can make different hashes look equal, so compare with === instead."),
	},
	"scala": {
		rl("scala.lang.security.audit.rsa-padding-set.rsa-padding-set", "medium", "high", "327", "Cryptographic Issues", "audit", "RSA is set up without OAEP padding. Older padding modes are open to known attacks, so the encryption is weaker than it looks."),
		rl("scala.lang.security.audit.dangerous-shell-run.dangerous-shell-run", "high", "low", "78", "Command Injection", "audit", "A shell command includes content that is not fixed. If any of it comes from outside, it could be used to run other commands."),
	},
	"terraform": {
		rl("terraform.aws.security.aws-ec2-has-public-ip.aws-ec2-has-public-ip", "low", "medium", "284", "Improper Authorization", "vuln", "This EC2 instance gets a public IP address, which makes it reachable from the internet. Keep instances private unless they must be exposed."),
		rl("terraform.aws.security.aws-s3-bucket-versioning-not-enabled.aws-s3-bucket-versioning-not-enabled", "low", "medium", "284", "Improper Authorization", "audit", "Versioning is off for this S3 bucket. Without it, overwritten or deleted objects cannot be recovered."),
	},
	"dockerfile": {
		rl("dockerfile.security.missing-user.missing-user", "medium", "medium", "250", "Improper Authorization", "audit", "The Dockerfile never sets a USER, so the container process runs as root by default. A compromise would then have full rights inside the container."),
	},
	"yaml": {
		rl("yaml.github-actions.security.run-shell-injection.run-shell-injection", "critical", "high", "78", "Command Injection", "vuln", "A run step expands github context data with ${{ }} directly into the script. Someone who controls that data, such as a PR title, could run code in the workflow."),
	},
}

type scaDep struct {
	uuid, cve, pkg, version, severity, cwe, message string
}

var scaDeps = []scaDep{
	{"1803e88e-a31c-43e2-99d5-f0b14e50ba0e", "CVE-2022-23540", "jsonwebtoken", "8.5.1", "high", "CWE-287: Improper Authentication", "Affected versions of jsonwebtoken are vulnerable to signature validation bypass."},
	{"6b1a5f0e-9c44-4c1b-8f6e-2d7b3c1f0a11", "CVE-2021-23337", "lodash", "4.17.15", "high", "CWE-94: Improper Control of Generation of Code ('Code Injection')", "Affected versions of lodash are vulnerable to command injection via template."},
	{"0d5e2c77-4b7e-4c57-9a43-5f0c8e7d2b90", "CVE-2022-24999", "qs", "6.5.2", "critical", "CWE-1321: Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')", "Affected versions of qs are vulnerable to prototype pollution."},
}
