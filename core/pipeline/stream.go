package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/numfmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// streamer is one sync's single pass over the repositories, page by page
// (pages.go): each page is selected, planned against the ledger and
// encoded into its data source's spool on disk as soon as it is read, and
// then let go. At a repository's last page the guards decide about the
// whole data source, and only then does its spool go into the upload file
// (writeSource, which splits the sources into uploads under the size
// cap), into the spool of sources the mass-resolve guard holds
// back, or away. Memory follows the pages in flight and the ids of the
// repositories in flight, not their findings. Only counts and
// per-repository summaries stay.
type streamer struct {
	o     Options
	popts PlanOptions
	plan  *Plan
	col   *Collection
	pages *pageRun

	dir, base string                 // upload files: base.json, base-2.json, … in dir
	set       *wizschema.UploadSet   // the upload files, split under the size cap
	files     []wizschema.UploadFile // set by finish
	scratch   *wizschema.Spool       // one in-memory repository at a time, encoded before it is handed over
	held      *wizschema.Spool       // data sources the mass-resolve guard holds back; created on first use
	ids       *idSpool               // finding ids per data source, for the ledger; nil when nothing is recorded
	leftHeld  []*SourcePlan          // sources that left the selection, held back by the guard
	seen      map[string]bool
	written   int64 // findings written to the upload file
}

func newStreamer(o Options, runID string) (*streamer, error) {
	dir := o.OutDir
	if dir == "" {
		dir = o.WorkDir
	}
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "semgrep-wiz")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	st := &streamer{
		o:    o,
		plan: &Plan{},
		dir:  dir,
		base: "semgrep-wiz-" + runID,
		seen: map[string]bool{},
		popts: PlanOptions{Guards: o.Guards, AllowMassResolve: o.AllowMassResolve, Now: time.Now(),
			FullRun: len(o.Collect.Files) == 0 && len(o.Collect.Repos) == 0},
	}
	// One analysis date for the document and every data source spooled
	// for it.
	if st.o.Schema.AnalysisDate.IsZero() {
		st.o.Schema.AnalysisDate = time.Now()
	}
	var err error
	if st.set, err = wizschema.NewUploadSet(st.o.Schema, o.maxUploadBytes(), st.filePath); err != nil {
		return nil, fmt.Errorf("writing the upload file: %w", err)
	}
	if st.scratch, err = wizschema.NewSpool(dir, st.o.Schema); err != nil {
		return nil, err
	}
	if !o.DryRun && o.Ledger != nil {
		if st.ids, err = newIDSpool(dir); err != nil {
			st.close()
			return nil, err
		}
	}
	st.pages = &pageRun{o: o.Collect, mem: o.Ledger, keepIDs: st.ids != nil, spoolDir: dir, schema: &st.o.Schema,
		encodeFailed: st.encodeFailed}
	return st, nil
}

// filePath names the n-th upload file of the run (from 0): the first keeps
// the name a single upload always had.
func (st *streamer) filePath(n int) string {
	if n == 0 {
		return filepath.Join(st.dir, st.base+".json")
	}
	return filepath.Join(st.dir, fmt.Sprintf("%s-%d.json", st.base, n+1))
}

// close drops everything the streamer holds on disk. Upload files are
// kept once finish handed them over, and in --out even when the run
// stopped before (each committed file is whole and valid); the partial
// file is always removed.
func (st *streamer) close() {
	if st.files == nil && st.o.OutDir == "" {
		st.set.Remove()
	} else {
		st.set.Abort()
	}
	if st.scratch != nil {
		st.scratch.Close()
	}
	if st.held != nil {
		st.held.Close()
	}
	if st.ids != nil {
		st.ids.close()
	}
}

// run reads, selects, plans and writes every repository, then plans the
// data sources that left the selection and applies the tenant-wide guard.
// The upload file stays open: Confirm may still add held-back sources.
func (st *streamer) run(ctx context.Context) (*Plan, error) {
	co := st.o.Collect
	if err := co.Policy.Validate(); err != nil {
		return nil, err
	}
	for _, s := range []Step{StepCollect, StepSelect, StepEncode} {
		co.Events.emit(Event{Kind: StepStarted, Step: s})
	}
	now := time.Now()
	if co.Now != nil {
		now = co.Now()
	}
	var err error
	if len(co.Files) > 0 {
		err = st.fromFiles(ctx)
	} else {
		err = st.fromAPI(ctx, now)
	}
	if err != nil {
		if ctx.Err() == nil {
			co.Events.emit(Event{Kind: StepFailed, Step: StepCollect, Message: err.Error()})
		}
		return nil, err
	}
	st.col.collected(co.Events)
	st.col.selected(co.Events)

	p, mem := st.plan, st.o.Ledger
	slices.SortStableFunc(p.Sources, func(a, b *SourcePlan) int { return cmp.Compare(a.Name, b.Name) })
	known, tenantHeld, err := knownSources(ctx, mem)
	if err != nil {
		return nil, err
	}
	if st.popts.FullRun {
		left, err := p.addLeft(ctx, mem, known, st.seen, st.col.Deployment, false)
		if err != nil {
			return nil, err
		}
		for _, s := range left {
			if err := st.guard(ctx, s); err != nil {
				return nil, err
			}
			switch s.Action {
			case ActionSendEmpty:
				if err := st.encode(s.DataSourceID, emptyAssets(s)); err != nil {
					return nil, st.encodeFailed(err)
				}
			case ActionSkipGuard:
				st.leftHeld = append(st.leftHeld, s)
			}
		}
	}
	p.tenantGuard(st.popts, tenantHeld)
	p.total()
	return p, nil
}

func (st *streamer) guard(ctx context.Context, s *SourcePlan) error {
	if err := st.plan.budget(ctx, s, st.o.Ledger, st.popts); err != nil {
		return err
	}
	st.plan.massResolve(s, st.popts)
	return nil
}

func (st *streamer) fromFiles(ctx context.Context) error {
	c, err := collectFiles(st.o.Collect)
	if err != nil {
		return err
	}
	st.col = c
	return st.pages.streamFiles(ctx, c, st.add)
}

// fromAPI reads repositories concurrently, page by page (pageRun), and
// hands each finished data source to this goroutine, which alone plans it
// whole and writes the file.
func (st *streamer) fromAPI(ctx context.Context, now time.Time) error {
	c, err := listRepos(ctx, st.o.Collect)
	if err != nil {
		return err
	}
	st.col = c
	return st.pages.streamAPI(ctx, c, now, st.add)
}

// add plans one finished repository whole (the guards that need the
// whole data source decide here) and writes its spool into the upload,
// keeps it aside for the mass-resolve guard, or drops it. b is nil when
// the repository is out of scope or failed.
func (st *streamer) add(ctx context.Context, r *Repo, b *sourceBuild) error {
	s := st.plan.planBuilt(r, b, false)
	if s == nil {
		return nil
	}
	st.seen[s.DataSourceID] = true
	if err := st.guard(ctx, s); err != nil {
		return err
	}
	if s.Action != ActionSend && s.Action != ActionSkipGuard {
		return nil // failed or over budget: its spool is dropped
	}
	obj, size, stats, err := b.spool.Finish()
	if err != nil {
		return st.encodeFailed(err)
	}
	stats.Bytes = size
	src := wizschema.EncodedSource{ID: s.DataSourceID, Body: obj, Size: size, Stats: stats}
	if s.Action == ActionSend {
		err = st.writeSource(src)
	} else {
		err = st.holdSource(src)
	}
	if err != nil {
		return err
	}
	if st.ids != nil {
		if err := st.ids.add(s.DataSourceID, b.ids); err != nil {
			return err
		}
	}
	st.written += int64(len(b.seen))
	st.o.Events.emit(Event{Kind: StepProgress, Step: StepEncode, Done: st.written,
		Message: numfmt.Commas(st.written) + " findings written"})
	return nil
}

// encode writes one repository held in memory into the scratch spool and
// hands it over as a finished data source.
func (st *streamer) encode(id string, write func(*wizschema.Encoder) error) error {
	if err := st.scratch.Write(id, write); err != nil {
		return err
	}
	return st.scratch.Drain(st.writeSource)
}

// writeSource is the one way a finished, encoded data source reaches the
// upload files (fresh, released by the guard, or sent empty): the upload
// set puts it whole into one file under the size cap.
func (st *streamer) writeSource(src wizschema.EncodedSource) error {
	return st.set.Add(src)
}

// holdSource keeps a finished data source aside while the mass-resolve
// guard holds it back.
func (st *streamer) holdSource(src wizschema.EncodedSource) error {
	if st.held == nil {
		var err error
		if st.held, err = wizschema.NewSpool(st.dir, st.o.Schema); err != nil {
			return err
		}
	}
	if err := st.held.Append(src.ID, src.Body, src.Stats); err != nil {
		return st.encodeFailed(err)
	}
	return nil
}

func (st *streamer) encodeFailed(err error) error {
	st.o.Events.emit(Event{Kind: StepFailed, Step: StepEncode, Message: err.Error()})
	return fmt.Errorf("writing the upload file: %w", err)
}

// release adds what the mass-resolve guard held back, once the user
// confirmed the plan.
func (st *streamer) release() error {
	st.plan.Release()
	if st.held != nil {
		if err := st.held.Drain(st.writeSource); err != nil {
			return st.encodeFailed(err)
		}
	}
	for _, s := range st.leftHeld {
		if err := st.encode(s.DataSourceID, emptyAssets(s)); err != nil {
			return st.encodeFailed(err)
		}
	}
	st.leftHeld = nil
	return nil
}

// finish completes the upload files. The encode step's message lists
// their paths, one a line.
func (st *streamer) finish() ([]wizschema.UploadFile, error) {
	files, err := st.set.Close()
	if err != nil {
		return nil, st.encodeFailed(err)
	}
	st.files = files
	var total int64
	paths := make([]string, len(files))
	for i, f := range files {
		total += f.Stats.Bytes
		paths[i] = f.Path
	}
	st.o.Events.emit(Event{Kind: StepFinished, Step: StepEncode, Done: total, Total: total, Message: strings.Join(paths, "\n")})
	return files, nil
}

// emptyAssets writes a data source that left the selection: its branch
// with no findings, so Wiz resolves what it holds.
func emptyAssets(s *SourcePlan) func(*wizschema.Encoder) error {
	return func(e *wizschema.Encoder) error {
		if s.repo != nil {
			return errors.New("internal: only a data source that left the selection is sent empty")
		}
		repo := finding.Repository{Name: s.src.RepoName, URL: s.src.RepoURL, Deployment: s.src.Deployment}
		return e.WriteAsset(wizschema.AssetInput{Repo: repo, Branch: s.src.Branch, IsDefault: true}, []finding.Finding{})
	}
}

// testHookHolding, when set by a test, follows how many repositories the
// pipeline has in flight: +1 once one is being read, -1 once it is
// written or let go.
var testHookHolding func(delta int)

func holding(delta int) {
	if testHookHolding != nil {
		testHookHolding(delta)
	}
}
