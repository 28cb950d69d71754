package semgreptest

import (
	"strings"
	"time"
)

// Dataset is everything the stand-in serves. Findings are kept in the
// wire shape of the API so tests can put any oddity on the wire.
type Dataset struct {
	// Token is the valid API token (Web API scope).
	Token string
	// NoScopeToken, when set, is a token Semgrep knows but that lacks the
	// Web API scope: every request with it gets a 404, as Semgrep does.
	NoScopeToken string
	Deployment   Deployment
	Projects     []Project
	// Now is the server's clock for the scans search 30-day window;
	// zero means time.Now().
	Now time.Time
}

// Deployment is the one deployment the token sees.
type Deployment struct {
	ID   int64
	Slug string
	Name string
}

// Project is a repository with its scans and findings.
type Project struct {
	ID            int64
	Name          string // "owner/repo": what the repos= filter matches
	URL           string
	DefaultBranch string // full refs, as Semgrep stores them
	PrimaryBranch string
	Tags          []string
	CreatedAt     time.Time
	LatestScanAt  time.Time
	// Archived projects are left out of the projects list (as Semgrep
	// does) while their findings stay.
	Archived bool
	Scans    []Scan
	Findings []Finding
}

// Scan is one scan of a project.
type Scan struct {
	ID          int64
	Branch      string
	Commit      string
	IsFullScan  bool
	Status      string // SCAN_STATUS_*
	StartedAt   time.Time
	CompletedAt time.Time // zero while running
	ExitCode    int
	CodeCount   int
}

// Finding is a Code or Supply Chain finding in the API's wire shape.
// Timestamps are strings so both forms Semgrep uses can be served.
type Finding struct {
	ID              int64        `json:"id"`
	Ref             string       `json:"ref"`
	FirstSeenScanID int64        `json:"first_seen_scan_id"`
	SyntacticID     string       `json:"syntactic_id"`
	MatchBasedID    string       `json:"match_based_id"`
	State           string       `json:"state"`
	TriageState     string       `json:"triage_state"`
	Status          string       `json:"status,omitempty"` // older API versions send none
	Severity        string       `json:"severity"`
	Confidence      string       `json:"confidence"`
	Categories      []string     `json:"categories"`
	CreatedAt       string       `json:"created_at"`
	RelevantSince   string       `json:"relevant_since"`
	RuleName        string       `json:"rule_name"`
	RuleMessage     string       `json:"rule_message"`
	Location        *Location    `json:"location"`
	Repository      Repository   `json:"repository"`
	LineOfCodeURL   string       `json:"line_of_code_url"`
	TriagedAt       *string      `json:"triaged_at"`
	TriageComment   *string      `json:"triage_comment"`
	TriageReason    *string      `json:"triage_reason"`
	StateUpdatedAt  *string      `json:"state_updated_at"`
	Rule            Rule         `json:"rule"`
	SourcingPolicy  *Policy      `json:"sourcing_policy"`
	Assistant       *struct{}    `json:"assistant"`
	VulnID          string       `json:"vulnerability_identifier,omitempty"` // SCA only
	FoundDependency *FoundDepend `json:"found_dependency,omitempty"`         // SCA only
}

// IssueType is "sca" for Supply Chain findings, "sast" otherwise.
func (f *Finding) IssueType() string {
	if f.VulnID != "" || f.FoundDependency != nil || strings.HasPrefix(f.RuleName, "ssc-") {
		return "sca"
	}
	return "sast"
}

// EffectiveStatus is Status, or what Semgrep's UI derives from state and
// triage state when Status is absent.
func (f *Finding) EffectiveStatus() string {
	if f.Status != "" {
		return f.Status
	}
	switch f.State {
	case "fixed":
		return "fixed"
	case "muted":
		return "ignored"
	}
	switch f.TriageState {
	case "ignored", "reviewing", "fixing", "provisionally_ignored":
		return f.TriageState
	}
	return "open"
}

// Location is where a finding is.
type Location struct {
	FilePath  string `json:"file_path"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
}

// Repository is a finding's repository.
type Repository struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Rule is a finding's rule.
type Rule struct {
	Name                 string   `json:"name"`
	Message              string   `json:"message"`
	Confidence           string   `json:"confidence"`
	Category             string   `json:"category"`
	Subcategories        []string `json:"subcategories"`
	VulnerabilityClasses []string `json:"vulnerability_classes"`
	CWENames             []string `json:"cwe_names"`
	OWASPNames           []string `json:"owasp_names"`
}

// Policy is the rule-board column that produced a finding.
type Policy struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// FoundDepend is a Supply Chain finding's dependency.
type FoundDepend struct {
	Package   string `json:"package"`
	Version   string `json:"version"`
	Ecosystem string `json:"ecosystem"`
}

// project finds a project by name (nil if none).
func (d *Dataset) project(name string) *Project {
	for i := range d.Projects {
		if d.Projects[i].Name == name {
			return &d.Projects[i]
		}
	}
	return nil
}

// Clone deep-copies the dataset so a server can own its copy.
func (d *Dataset) Clone() *Dataset {
	c := *d
	c.Projects = make([]Project, len(d.Projects))
	for i, p := range d.Projects {
		p.Tags = append([]string(nil), p.Tags...)
		p.Scans = append([]Scan(nil), p.Scans...)
		p.Findings = append([]Finding(nil), p.Findings...)
		c.Projects[i] = p
	}
	return &c
}

// FindingCount is the number of findings over all projects.
func (d *Dataset) FindingCount() int {
	n := 0
	for _, p := range d.Projects {
		n += len(p.Findings)
	}
	return n
}
