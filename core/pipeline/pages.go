package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// The page-level pipeline, shared by the sync and the preview: each page
// of findings is, in the goroutine that read it, selected by the policy,
// planned against what Wiz holds for its data source and (for a sync)
// encoded into the data source's spool on disk; then it is let go. What a
// data source keeps while its pages come in is its ids (to find repeats
// and what Wiz will mark fixed) and counts. At its last page the source is
// handed to one goroutine, which plans it whole (guards) and writes it or
// drops it. Memory follows the pages in flight, not the repositories.

// sourceBuild is one repository's data source while its pages are read.
type sourceBuild struct {
	r    *Repo
	held []string            // sorted: what Wiz holds for it
	seen map[string]struct{} // Wiz ids planned so far
	ids  []string            // the same, in order, when the ledger will record them
	new  int
	same int // unchanged: planned and held
	// spool holds the encoded findings (a sync); nil for a preview.
	spool *wizschema.SourceSpool
	def   wizschema.AssetInput // the repository's own branch
	ida   finding.IDAssigner
}

// pageRun is what one pass over the pages needs.
type pageRun struct {
	o   CollectOptions
	mem *ledger.Ledger
	// keepIDs keeps each source's ids in order for the ledger.
	keepIDs bool
	// keepFixed lists, per source, what Wiz holds that the run leaves out
	// (the preview shows it).
	keepFixed bool
	// spoolDir and schema, when schema is set, encode the pages (a sync).
	spoolDir string
	schema   *wizschema.Options
	// encodeFailed words (and reports) an error encoding a page.
	encodeFailed func(error) error
	// rows, when set, receives each page as it is planned; calls are
	// serialised by rowsMu.
	rows   func(r *Repo, sel []finding.Finding, ids []string, fresh []bool, excl []policy.Excluded)
	rowsMu sync.Mutex
}

// begin starts the data source of a repository in scope whose pages are
// about to be read.
func (pr *pageRun) begin(ctx context.Context, r *Repo) (*sourceBuild, error) {
	held, err := heldSet(ctx, pr.mem, r.DataSourceID)
	if err != nil {
		return nil, err
	}
	b := &sourceBuild{r: r, held: held, seen: map[string]struct{}{},
		def: wizschema.AssetInput{Repo: r.Repo, Branch: r.Branch, IsDefault: true}}
	if pr.schema != nil {
		if b.spool, err = wizschema.NewSourceSpool(pr.spoolDir, *pr.schema, r.DataSourceID); err != nil {
			return nil, err
		}
		// The own branch comes first and is always present, so Wiz
		// resolves what it held there even when nothing is left.
		if err := b.spool.Write(b.def, nil); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

func (b *sourceBuild) close() {
	if b.spool != nil {
		b.spool.Close()
		b.spool = nil
	}
}

// page selects, plans and (for a sync) encodes one page of b's repository.
// The findings already carry their ids.
func (pr *pageRun) page(b *sourceBuild, fs []finding.Finding) error {
	liveFindings(len(fs))
	defer liveFindings(-len(fs))
	r := b.r
	scope := policy.Scope{Repo: r.Repo, Branch: r.Branch, FullScan: r.FullScan, FromFile: r.FromFile}
	sel, excl := pr.o.Policy.SelectInPlace(scope, fs)
	r.sent += len(sel)
	r.excluded += len(excl)
	var ids []string
	var fresh []bool
	if pr.rows != nil {
		ids, fresh = make([]string, len(sel)), make([]bool, len(sel))
	}
	keep := sel[:0] // what the upload carries: repeats of a planned id are not sent twice
	for i := range sel {
		id := wizID(r, &sel[i])
		if _, dup := b.seen[id]; dup {
			continue
		}
		b.seen[id] = struct{}{}
		if pr.keepIDs {
			b.ids = append(b.ids, id)
		}
		_, isHeld := slices.BinarySearch(b.held, id)
		if isHeld {
			b.same++
		} else {
			b.new++
		}
		if pr.rows != nil {
			ids[len(keep)], fresh[len(keep)] = id, !isHeld
		}
		keep = append(keep, sel[i])
	}
	if b.spool != nil {
		if err := b.encode(keep); err != nil {
			if pr.encodeFailed != nil {
				err = pr.encodeFailed(err)
			}
			return err
		}
	}
	if pr.rows != nil {
		pr.rowsMu.Lock()
		pr.rows(r, keep, ids[:len(keep)], fresh[:len(keep)], excl)
		pr.rowsMu.Unlock()
	}
	return nil
}

// encode writes the page's findings to their assets in the spool, runs of
// one branch at a time.
func (b *sourceBuild) encode(fs []finding.Finding) error {
	for len(fs) > 0 {
		a := b.assetOf(&fs[0])
		n := 1
		for n < len(fs) && b.assetOf(&fs[n]).Branch == a.Branch {
			n++
		}
		if err := b.spool.Write(a, fs[:n]); err != nil {
			return err
		}
		fs = fs[n:]
	}
	return nil
}

// assetOf is the asset (branch) a finding is sent on: the repository's own
// branch (first, always present), or one asset per other branch.
func (b *sourceBuild) assetOf(f *finding.Finding) wizschema.AssetInput {
	if f.Branch == "" || finding.SameBranch(f.Branch, b.r.Branch) {
		return b.def
	}
	return wizschema.AssetInput{Repo: b.r.Repo, Branch: f.Branch}
}

// fixed lists the ids Wiz holds that the source's pages did not carry.
func (b *sourceBuild) fixed() []string {
	var out []string
	for _, id := range b.held {
		if _, still := b.seen[id]; !still {
			out = append(out, id) // sorted: held is
		}
	}
	return out
}

// readRepo reads one repository of an API run page by page: b is begun at
// the first page (or at the end, for a repository with none) and every
// page goes through pr.page. A repository out of scope gets no build.
func (pr *pageRun) readRepo(ctx context.Context, c *Collection, r *Repo, now time.Time) (b *sourceBuild, err error) {
	err = fetchRepoPages(ctx, pr.o, c.dep, r, now, func(fs []finding.Finding) error {
		if b == nil {
			var err error
			if b, err = pr.begin(ctx, r); err != nil {
				return &stopError{err}
			}
		}
		if err := pr.page(b, fs); err != nil {
			return &stopError{err}
		}
		return nil
	})
	if err == nil && b == nil && r.InScope {
		if b, err = pr.begin(ctx, r); err != nil {
			err = &stopError{err}
		}
	}
	return b, err
}

// streamAPI reads the repositories of c concurrently, page by page, and
// hands each finished one (its build nil when it is out of scope or
// failed) to finish, on the calling goroutine. The fetchers wait while
// the hand-over is full.
func (pr *pageRun) streamAPI(ctx context.Context, c *Collection, now time.Time, finish func(context.Context, *Repo, *sourceBuild) error) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conc := pr.o.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	type done struct {
		r *Repo
		b *sourceBuild
	}
	ch := make(chan done, conc)
	fetched := make(chan error, 1)
	go func() {
		read := func(ctx context.Context, r *Repo) (*sourceBuild, error) {
			holding(1)
			b, err := pr.readRepo(ctx, c, r, now)
			if err != nil && b != nil {
				b.close()
			}
			return b, err
		}
		fetched <- fetchRepos(fctx, pr.o, c, now, read, func(r *Repo, b *sourceBuild, err error) error {
			if err == nil {
				select {
				case ch <- done{r, b}:
					return nil
				case <-fctx.Done():
					err = fctx.Err()
				}
			}
			if b != nil {
				b.close()
			}
			holding(-1)
			return err
		})
		close(ch)
	}()
	var werr error
	for d := range ch {
		if werr == nil {
			if werr = finish(ctx, d.r, d.b); werr != nil {
				cancel()
			}
		}
		if d.b != nil {
			d.b.close()
		}
		holding(-1)
	}
	ferr := <-fetched
	if werr != nil {
		return werr
	}
	return ferr
}

// streamFiles hands the repositories of CLI files (read whole from disk)
// to finish one after the other, each as one page.
func (pr *pageRun) streamFiles(ctx context.Context, c *Collection, finish func(context.Context, *Repo, *sourceBuild) error) error {
	for _, r := range c.Repos {
		if err := ctx.Err(); err != nil {
			return err
		}
		holding(1)
		err := pr.fileRepo(ctx, r, finish)
		holding(-1)
		if err != nil {
			return err
		}
	}
	return nil
}

func (pr *pageRun) fileRepo(ctx context.Context, r *Repo, finish func(context.Context, *Repo, *sourceBuild) error) error {
	fs := r.Sent
	r.Sent = nil
	if r.Failed() || !r.InScope {
		return finish(ctx, r, nil)
	}
	b, err := pr.begin(ctx, r)
	if err != nil {
		return err
	}
	defer b.close()
	if err := pr.page(b, fs); err != nil {
		return err
	}
	return finish(ctx, r, b)
}

// testHookLive, when set by a test, follows how many findings the
// pipeline holds: +n when a page of n is handed to it, -n once let go.
var testHookLive func(delta int)

func liveFindings(delta int) {
	if testHookLive != nil && delta != 0 {
		testHookLive(delta)
	}
}

// planBuilt plans one finished repository (b nil when it failed or is
// out of scope) as addRepo plans a whole one, with the build's counts.
func (p *Plan) planBuilt(r *Repo, b *sourceBuild, keepFixed bool) *SourcePlan {
	p.Excluded += r.excludedCount()
	if !r.InScope && !r.Failed() {
		p.NotInScopeRepos++
		return nil
	}
	s := &SourcePlan{DataSourceID: r.DataSourceID, Name: r.Name, URL: r.URL, Branch: r.Branch, repo: r, Action: ActionSend}
	p.Sources = append(p.Sources, s)
	if r.Failed() {
		p.failed(r, s)
		return s
	}
	s.Held, s.New, s.Unchanged = len(b.held), b.new, b.same
	s.WillFix = s.Held - s.Unchanged
	if keepFixed {
		s.Fixed = b.fixed()
	}
	return s
}

// failed plans a repository whose findings could not be read.
func (p *Plan) failed(r *Repo, s *SourcePlan) {
	p.FailedRepos = append(p.FailedRepos, r.Name)
	var sf *ScanFailedError
	if errors.As(r.FetchErr, &sf) {
		// The file is read; the scan behind it failed.
		s.Action, s.Reason = ActionSkipFailed, r.FetchErr.Error()
		p.Trips = append(p.Trips, GuardTrip{Guard: "scan_failed", DataSourceID: s.DataSourceID,
			Message:  fmt.Sprintf("%s: the scan in %s failed; it is left out so Wiz keeps its previous findings", r.Name, sf.File),
			Override: "--allow-scan-errors sends it anyway"})
		return
	}
	s.Action, s.Reason = ActionSkipFailed, "could not be read: "+r.FetchErr.Error()
	p.Trips = append(p.Trips, GuardTrip{Guard: "partial_data", DataSourceID: s.DataSourceID,
		Message: fmt.Sprintf("%s could not be read completely; it is left out so Wiz keeps its previous findings", r.Name)})
}
