package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/numfmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// FileSource is a local Semgrep JSON or SARIF file and what the file does
// not say itself.
type FileSource struct {
	Path    string
	Options semgrep.FileOptions
}

// CollectOptions says where findings come from and how they are judged.
type CollectOptions struct {
	Policy policy.Policy
	// Semgrep and Deployment select the web API as the source.
	Semgrep    *semgrep.Client
	Deployment string
	// Concurrency bounds per-repository fetches (default DefaultConcurrency).
	Concurrency int
	// PageSize is how many findings each request asks for; 0 is the
	// client's default (the most Semgrep allows).
	PageSize int
	// Files, when set, are read instead of calling the API.
	Files []FileSource
	// AllowScanErrors sends the repository of a file whose scan failed
	// (a fatal Semgrep error) instead of leaving it out.
	AllowScanErrors bool
	// Repos limits an API run to these repository names (watch mode syncs
	// the repositories that have a new full scan). Empty means all.
	Repos []string
	// AllFindings fetches findings of every status and severity so the
	// preview can show why each one is excluded; a sync leaves it off and
	// lets the server filter.
	AllFindings bool
	// VCSHosts maps self-hosted VCS hosts to Wiz's VCS words; a repository
	// whose VCS cannot be named is not sent (Wiz requires it).
	VCSHosts map[string]string
	Now      func() time.Time
	Events   Sink
}

// Repo is one repository after collect and select.
type Repo struct {
	Repo         finding.Repository `json:"-"`
	Name         string             `json:"name"`
	URL          string             `json:"url,omitempty"`
	DataSourceID string             `json:"data_source_id"`
	Branch       string             `json:"branch,omitempty"`
	FullScan     time.Time          `json:"full_scan_completed_at,omitzero"`
	FromFile     bool               `json:"from_file,omitempty"`
	// InScope is false when the repository is not sent at all (Reason).
	InScope bool   `json:"in_scope"`
	Reason  string `json:"reason,omitempty"`
	// FetchErr is set when reading its findings failed part way: the
	// repository is then left out of the upload, never sent partially.
	FetchErr error `json:"-"`

	Sent     []finding.Finding `json:"-"`
	Excluded []policy.Excluded `json:"-"`
	// sent and excluded count what a streaming run selected and excluded,
	// page by page, without keeping the findings.
	sent, excluded int
	// scansKnown: FullScan was found by the deployment-wide scan search.
	scansKnown bool
}

func (r *Repo) sentCount() int     { return max(r.sent, len(r.Sent)) }
func (r *Repo) excludedCount() int { return max(r.excluded, len(r.Excluded)) }

// Failed reports whether the repository's findings could not be read.
func (r *Repo) Failed() bool { return r.FetchErr != nil }

// Collection is what collect and select produced.
type Collection struct {
	Deployment string
	Repos      []*Repo
	// ScanErrors counts errors Semgrep itself reported in CLI files.
	ScanErrors int
	// Scans says, per CLI file that reported errors, what they were.
	Scans []FileScan
	// APIFiltered is true when the Semgrep API was asked only for the
	// policy's severities and statuses: the findings it did not return
	// are not among the excluded.
	APIFiltered bool

	dep semgrep.Deployment
}

// DefaultConcurrency is how many repositories are read at once by default.
const DefaultConcurrency = 8

// Totals sums the collection.
func (c *Collection) Totals() (sent, excluded, reposSent, reposFailed int) {
	for _, r := range c.Repos {
		switch {
		case r.Failed():
			reposFailed++
		case r.InScope:
			reposSent++
			sent += r.sentCount()
		}
		excluded += r.excludedCount()
	}
	return
}

// Collect reads findings from the configured source and applies the
// policy. A repository whose fetch fails is reported (FetchErr, a
// RepoFailed event) and the others carry on; only an error that stops
// every repository (bad token, unknown deployment) is returned.
func Collect(ctx context.Context, o CollectOptions) (*Collection, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if err := o.Policy.Validate(); err != nil {
		return nil, err
	}
	o.Events.emit(Event{Kind: StepStarted, Step: StepCollect})
	var (
		c   *Collection
		err error
	)
	if len(o.Files) > 0 {
		c, err = collectFiles(o)
	} else {
		c, err = collectAPI(ctx, o, now())
	}
	if err != nil {
		o.Events.emit(Event{Kind: StepFailed, Step: StepCollect, Message: err.Error()})
		return nil, err
	}
	c.APIFiltered = len(o.Files) == 0 && !o.AllFindings
	c.collected(o.Events)
	o.Events.emit(Event{Kind: StepStarted, Step: StepSelect})
	for _, r := range c.Repos {
		selectRepo(o, r)
	}
	c.selected(o.Events)
	return c, nil
}

// collected sorts the repositories by name and reports the collect step
// done.
func (c *Collection) collected(events Sink) {
	c.collectedOrder()
	events.emit(Event{Kind: StepFinished, Step: StepCollect, Done: int64(len(c.Repos)), Total: int64(len(c.Repos))})
}

// collectedOrder sorts the repositories by name.
func (c *Collection) collectedOrder() {
	slices.SortStableFunc(c.Repos, func(a, b *Repo) int { return cmp.Compare(a.Name, b.Name) })
}

// selected reports the select step done, with what it kept.
func (c *Collection) selected(events Sink) {
	sent, excluded, reposSent, _ := c.Totals()
	events.emit(Event{Kind: StepFinished, Step: StepSelect, Done: int64(sent), Total: int64(sent + excluded),
		Message: fmt.Sprintf("%s findings selected in %s repositories, %s excluded", numfmt.Commas(sent), numfmt.Commas(reposSent), numfmt.Commas(excluded))})
}

// selectRepo applies the policy to one collected repository's findings:
// those the policy keeps stay in Sent and the rest move to Excluded.
// Whether the repository is in scope was decided when it was read
// (collectRepo, collectFiles): a streaming sync selects on the writer while
// the fetchers still count what they read, so selecting never changes it.
func selectRepo(o CollectOptions, r *Repo) {
	if r.Failed() || !r.InScope {
		return
	}
	scope := policy.Scope{Repo: r.Repo, Branch: r.Branch, FullScan: r.FullScan, FromFile: r.FromFile}
	r.Sent, r.Excluded = o.Policy.Select(scope, r.Sent)
}

// decideScope applies the repository-level policy and the VCS rule (a
// repository whose VCS cannot be named is not sent: Wiz requires it).
func decideScope(o CollectOptions, r *Repo, d policy.RepoDecision) {
	r.InScope, r.Reason = d.InScope, reasonText(d)
	if !r.InScope {
		return
	}
	if _, err := wizschema.VCSFor(r.URL, o.VCSHosts); err != nil {
		r.InScope, r.Reason = false, "unknown VCS: "+err.Error()
		o.Events.emit(Event{Kind: Warning, Step: StepSelect, Repo: r.Name, Message: r.Name + " is not sent: " + err.Error()})
	}
}

// FileScan is what one CLI file said about its own scan.
type FileScan struct {
	File       string `json:"file"`
	Repository string `json:"repository"`
	// Failed: a fatal error (bad configuration or rule, a scan that did
	// not complete). The repository is left out unless AllowScanErrors.
	Failed     bool   `json:"failed"`
	SentAnyway bool   `json:"sent_anyway,omitempty"`
	FirstError string `json:"first_error,omitempty"`
	// Warnings are errors that concern single files (syntax errors,
	// partial parsing, timeouts): the scan is still sent.
	Warnings     int    `json:"warnings"`
	WarningKinds string `json:"warning_kinds,omitempty"`
}

// ScanFailedError is the FetchErr of a repository whose CLI file records
// a failed scan.
type ScanFailedError struct {
	File  string
	First semgrep.ScanError
}

func (e *ScanFailedError) Error() string {
	return fmt.Sprintf("the scan in %s failed: %s", e.File, e.First)
}

func collectFiles(o CollectOptions) (*Collection, error) {
	byID := map[string]*Repo{}
	c := &Collection{}
	for i, fsrc := range o.Files {
		res, err := semgrep.ReadFile(fsrc.Path, fsrc.Options)
		if err != nil {
			return nil, err
		}
		c.ScanErrors += res.ScanErrors
		o.Events.emit(Event{Kind: StepProgress, Step: StepCollect, Done: int64(i + 1), Total: int64(len(o.Files)),
			Message: fmt.Sprintf("%s: %d results", fsrc.Path, len(res.Findings))})
		repo := fsrc.Options.Repository()
		if len(res.Findings) > 0 {
			repo = res.Findings[0].Repo
		}
		if repo.Name == "" {
			repo.Name = fsrc.Options.RepoNameOrURL()
		}
		id := finding.DataSourceID(repo)
		r := byID[id]
		if r == nil {
			r = &Repo{Repo: repo, Name: repo.Name, URL: repo.URL, DataSourceID: id, Branch: finding.NormalizeBranch(fsrc.Options.Branch), FromFile: true}
			byID[id] = r
			c.Repos = append(c.Repos, r)
		} else if !finding.SameBranch(r.Branch, fsrc.Options.Branch) {
			return nil, fmt.Errorf("%s: repository %s was already given with branch %s; send one branch per run", fsrc.Path, repo.Name, r.Branch)
		}
		c.fileScan(o, fsrc.Path, r, res.ScanReport)
		outside, example := 0, ""
		for _, f := range res.Findings {
			f.IsDefaultBranch = true
			if finding.OutsideRepository(f.Path) {
				outside++
				example = cmp.Or(example, f.Path)
			}
			r.Sent = append(r.Sent, f)
		}
		if outside > 0 {
			o.Events.emit(Event{Kind: Warning, Step: StepCollect, Repo: r.Name, Message: fmt.Sprintf(
				"%s: %d %s outside the repository (e.g. %s) and not sent; pass --repo-root DIR, the checkout the scan ran in",
				fsrc.Path, outside, pluralWord(outside, "finding has a path", "findings have paths"), example)})
		}
	}
	for _, r := range c.Repos {
		decideScope(o, r, o.Policy.DecideRepo(policy.Scope{Repo: r.Repo, Branch: r.Branch, FromFile: true}, time.Now()))
	}
	return c, nil
}

// fileScan records what a file said about its scan: a failed scan leaves
// its repository out (unless o.AllowScanErrors), errors that concern
// single files are warnings.
func (c *Collection) fileScan(o CollectOptions, file string, r *Repo, rep semgrep.ScanReport) {
	if len(rep.Errors) == 0 {
		return
	}
	fs := FileScan{File: file, Repository: r.Name, Warnings: rep.Warnings(), WarningKinds: rep.WarningSummary()}
	if first := rep.FirstFatal(); first != nil {
		fs.Failed, fs.FirstError = true, first.String()
		ferr := &ScanFailedError{File: file, First: *first}
		if o.AllowScanErrors {
			fs.SentAnyway = true
			o.Events.emit(Event{Kind: Warning, Step: StepCollect, Repo: r.Name, Message: fmt.Sprintf(
				"the scan in %s failed (%s); included anyway (--allow-scan-errors): findings it missed will be marked fixed in Wiz", file, first)})
		} else if r.FetchErr == nil {
			r.FetchErr = ferr
			o.Events.emit(Event{Kind: RepoFailed, Step: StepCollect, Repo: r.Name, Message: ferr.Error()})
		}
	}
	if fs.Warnings > 0 {
		o.Events.emit(Event{Kind: Warning, Step: StepCollect, Repo: r.Name, Message: fmt.Sprintf(
			"%s: Semgrep reported %d %s that concern single files (%s); its findings are still included", file, fs.Warnings, pluralWord(fs.Warnings, "error", "errors"), fs.WarningKinds)})
	}
	c.Scans = append(c.Scans, fs)
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func collectAPI(ctx context.Context, o CollectOptions, now time.Time) (*Collection, error) {
	c, err := listRepos(ctx, o)
	if err != nil {
		return nil, err
	}
	read := func(ctx context.Context, r *Repo) (*sourceBuild, error) {
		return nil, collectRepo(ctx, o, c.dep, r, now)
	}
	if err := fetchRepos(ctx, o, c, now, read, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// listRepos finds the deployment and the repositories to read (its
// projects, or those of o.Repos), without their findings.
func listRepos(ctx context.Context, o CollectOptions) (*Collection, error) {
	if o.Semgrep == nil {
		return nil, errors.New("no Semgrep API client and no --from files: nothing to read")
	}
	dep, err := o.Semgrep.Deployment(ctx, o.Deployment)
	if err != nil {
		return nil, fmt.Errorf("finding the Semgrep deployment: %w", err)
	}
	projects, err := o.Semgrep.Projects(ctx, dep.Slug)
	if err != nil {
		return nil, fmt.Errorf("listing Semgrep projects: %w", err)
	}
	c := &Collection{Deployment: dep.Slug, dep: dep}
	only := map[string]bool{}
	for _, n := range o.Repos {
		only[n] = true
	}
	for _, p := range projects {
		if len(only) > 0 && !only[p.Name] {
			continue
		}
		repo := finding.Repository{Name: p.Name, URL: p.URL, Deployment: dep.Slug, ID: p.ID}
		branch := p.PrimaryBranch
		if branch == "" {
			branch = p.DefaultBranch
		}
		c.Repos = append(c.Repos, &Repo{Repo: repo, Name: p.Name, URL: p.URL, DataSourceID: finding.DataSourceID(repo), Branch: finding.NormalizeBranch(branch)})
	}
	if err := findFullScans(ctx, o, c); err != nil {
		return nil, err
	}
	return c, nil
}

// findFullScans finds each repository's latest completed full scan with
// one paged search across the deployment, not one search per repository:
// a bare client reading every repository's findings makes no other
// request, and the answer is the same.
func findFullScans(ctx context.Context, o CollectOptions, c *Collection) error {
	if !o.Policy.FullScansOnly || len(c.Repos) == 0 {
		return nil
	}
	full := true
	q := semgrep.ScanQuery{IsFullScan: &full}
	if o.Policy.MaxScanAge > 0 {
		now := time.Now
		if o.Now != nil {
			now = o.Now
		}
		q.Since = now().Add(-o.Policy.MaxScanAge)
	}
	scans, err := o.Semgrep.SearchScans(ctx, c.dep.ID, q)
	if err != nil {
		return fmt.Errorf("searching the deployment's full scans: %w", err)
	}
	byRepo := map[int64][]semgrep.Scan{}
	for _, s := range scans {
		byRepo[s.RepositoryID] = append(byRepo[s.RepositoryID], s)
	}
	for _, r := range c.Repos {
		r.FullScan = latestFullScan(byRepo[r.Repo.ID], r.Branch)
		r.scansKnown = true
	}
	return nil
}

// fetchRepos reads the findings of c's repositories, a bounded number at
// once (the Semgrep client also bounds its requests in flight and slows
// down when the API pushes back). Each repository is handed to each (if
// not nil) as soon as it is read, from the fetching goroutine; each may
// block, which holds further fetches back. A repository whose fetch fails
// gets FetchErr (and a RepoFailed event); only cancellation and an error
// from each stop the others. When every repository in scope failed, that
// is the run's failure.
//
// A repository handed to each belongs to each from then on (a streaming
// sync selects and writes it on another goroutine): what decides "every
// repository failed" is counted here, before the hand-over, never read back
// from the repositories.
func fetchRepos(ctx context.Context, o CollectOptions, c *Collection, now time.Time,
	read func(context.Context, *Repo) (*sourceBuild, error), each func(*Repo, *sourceBuild, error) error) error {
	conc := o.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	var (
		mu    sync.Mutex
		done  int64
		tally fetchTally
	)
	for i, r := range c.Repos {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			b, err := read(gctx, r)
			var stop *stopError
			if errors.As(err, &stop) {
				err = stop.err // the run's failure, not the repository's
			} else if err != nil && gctx.Err() != nil {
				err, stop = gctx.Err(), &stopError{}
			}
			if stop != nil {
				if each != nil {
					return each(r, b, err)
				}
				return err
			}
			mu.Lock()
			done++
			d := done
			tally.add(i, r.InScope, err)
			mu.Unlock()
			if err != nil {
				r.FetchErr = err
				// Nothing of a repository read in part is kept or sent.
				r.Sent, r.sent, r.excluded = nil, 0, 0
				if b != nil {
					b.close()
					b = nil
				}
				o.Events.emit(Event{Kind: RepoFailed, Step: StepCollect, Repo: r.Name, Message: err.Error()})
			}
			o.Events.emit(Event{Kind: StepProgress, Step: StepCollect, Repo: r.Name, Done: d, Total: int64(len(c.Repos))})
			if each != nil {
				return each(r, b, nil)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return tally.allFailed()
}

// stopError is an error of the pipeline itself while a repository is read
// (writing aside, reading the ledger): it stops the run instead of failing
// the repository.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// fetchTally counts what the fetchers read, as they read it.
type fetchTally struct {
	failed, read int
	// firstErr is the error of the failed repository that comes first in
	// the collection (not the first to fail), so the message does not
	// depend on timing.
	firstErr error
	firstAt  int
}

func (t *fetchTally) add(i int, inScope bool, err error) {
	switch {
	case err != nil:
		if t.failed == 0 || i < t.firstAt {
			t.firstErr, t.firstAt = err, i
		}
		t.failed++
	case inScope:
		t.read++
	}
}

// allFailed turns a failure that hit every repository in scope into the
// run's failure, not theirs.
func (t *fetchTally) allFailed() error {
	if t.failed > 0 && t.read == 0 {
		return fmt.Errorf("reading findings failed for every repository in scope: %w", t.firstErr)
	}
	return nil
}

func collectRepo(ctx context.Context, o CollectOptions, dep semgrep.Deployment, r *Repo, now time.Time) error {
	var fs []finding.Finding
	err := fetchRepoPages(ctx, o, dep, r, now, func(page []finding.Finding) error {
		fs = append(fs, page...)
		return nil
	})
	if err == nil {
		r.Sent = fs
	}
	return err
}

// fetchRepoPages decides whether one repository is in scope and, when it
// is, reads its findings and hands them to page a page at a time, each
// with the repository's identity and the findings' ids.
func fetchRepoPages(ctx context.Context, o CollectOptions, dep semgrep.Deployment, r *Repo, now time.Time, page func([]finding.Finding) error) error {
	if !o.Policy.RepoSelected(r.Name) {
		d := o.Policy.DecideRepo(policy.Scope{Repo: r.Repo}, now)
		r.InScope, r.Reason = false, reasonText(d)
		return nil
	}
	if o.Policy.FullScansOnly && !r.scansKnown {
		full := true
		scans, err := o.Semgrep.SearchScans(ctx, dep.ID, semgrep.ScanQuery{
			RepositoryID: r.Repo.ID, IsFullScan: &full, Since: now.Add(-o.Policy.MaxScanAge),
		})
		if err != nil {
			return fmt.Errorf("searching scans: %w", err)
		}
		r.FullScan = latestFullScan(scans, r.Branch)
	}
	decideScope(o, r, o.Policy.DecideRepo(policy.Scope{Repo: r.Repo, Branch: r.Branch, FullScan: r.FullScan}, now))
	if !r.InScope {
		return nil
	}
	q := FindingsQuery(o.Policy, r.Name, o.AllFindings)
	q.PageSize = o.PageSize
	var ids finding.IDAssigner
	err := o.Semgrep.Findings(ctx, dep.Slug, q, func(fs []finding.Finding) error {
		for i := range fs {
			// The project is the authority on the repository's identity: a
			// finding may name it differently (bare name, other URL form).
			fs[i].Repo = r.Repo
			fs[i].IsDefaultBranch = finding.SameBranch(fs[i].Branch, r.Branch)
		}
		// Page by page: a repeat of an id on a later page gets its "#n"
		// as in one call (finding.IDAssigner).
		ids.Assign(fs)
		return page(fs)
	})
	if err != nil {
		return fmt.Errorf("reading findings: %w", err)
	}
	return nil
}

// latestFullScan is the completion time of the newest completed full scan
// of branch, or zero.
func latestFullScan(scans []semgrep.Scan, branch string) time.Time {
	var latest time.Time
	for _, s := range scans {
		if !s.IsFullScan || s.CompletedAt.IsZero() || !finding.SameBranch(s.Branch, branch) {
			continue
		}
		if s.Status != "" && s.Status != "SCAN_STATUS_COMPLETED" {
			continue
		}
		if s.CompletedAt.After(latest) {
			latest = s.CompletedAt
		}
	}
	return latest
}

func reasonText(d policy.RepoDecision) string {
	if d.InScope {
		return ""
	}
	if d.Detail == "" {
		return string(d.Reason)
	}
	return string(d.Reason) + ": " + d.Detail
}

// FindingsQuery is what a sync asks Semgrep for one repository: the server
// filters what the policy would drop anyway. all (the preview's --all)
// asks for everything so the preview can say why each finding is left out.
func FindingsQuery(p policy.Policy, repo string, all bool) semgrep.FindingsQuery {
	q := semgrep.FindingsQuery{Repos: []string{repo}, Status: "any"}
	if !all {
		if len(p.Statuses) == 1 {
			q.Status = p.Statuses[0]
		}
		// In one order whatever the configuration's, so the same policy
		// always asks the same question (and a cache can answer it).
		sevs := slices.Clone(p.Severities)
		slices.Sort(sevs)
		for _, s := range slices.Compact(sevs) {
			q.Severities = append(q.Severities, s.String())
		}
	}
	return q
}
