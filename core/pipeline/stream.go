package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// streamer is one sync's single pass over the repositories: each one is
// selected, planned against the ledger and written to the upload files (or,
// while a guard holds it back, to a spool on disk) as soon as it is read,
// and then let go. Every finished data source reaches the files through
// writeSource, which splits them into uploads under the size cap. Memory follows the largest repositories in flight, not
// the organisation. Only counts and per-repository summaries stay.
type streamer struct {
	o     Options
	popts PlanOptions
	plan  *Plan
	col   *Collection

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
	var err error
	if st.set, err = wizschema.NewUploadSet(o.Schema, o.maxUploadBytes(), st.filePath); err != nil {
		return nil, fmt.Errorf("writing the upload file: %w", err)
	}
	if st.scratch, err = wizschema.NewSpool(dir, o.Schema); err != nil {
		return nil, err
	}
	if !o.DryRun && o.Ledger != nil {
		if st.ids, err = newIDSpool(dir); err != nil {
			st.close()
			return nil, err
		}
	}
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
	for _, r := range c.Repos {
		if err := ctx.Err(); err != nil {
			return err
		}
		holding(1)
		if err := st.add(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// fromAPI fetches repositories concurrently and hands each, as soon as it
// is read, to this goroutine, which alone writes the file. Fetchers wait
// once the hand-over is full, so memory follows the largest repositories
// in flight, not the organisation.
func (st *streamer) fromAPI(ctx context.Context, now time.Time) error {
	c, err := listRepos(ctx, st.o.Collect)
	if err != nil {
		return err
	}
	st.col = c
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A small buffer lets fetchers go on while the writer is busy; what
	// is held stays bounded by twice the fetchers, plus the one written.
	conc := st.o.Collect.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	ch := make(chan *Repo, conc)
	fetched := make(chan error, 1)
	go func() {
		fetched <- fetchRepos(fctx, st.o.Collect, c, now, func(r *Repo) error {
			holding(1)
			select {
			case ch <- r:
				return nil
			case <-fctx.Done():
				r.release()
				holding(-1)
				return fctx.Err()
			}
		})
		close(ch)
	}()
	var werr error
	for r := range ch {
		if werr != nil {
			r.release()
			holding(-1)
			continue // drain until the fetchers have stopped
		}
		if werr = st.add(ctx, r); werr != nil {
			cancel()
		}
	}
	ferr := <-fetched
	if werr != nil {
		return werr
	}
	return ferr
}

// add selects, plans and writes one repository, then lets go of its
// findings.
func (st *streamer) add(ctx context.Context, r *Repo) error {
	defer func() {
		r.release()
		holding(-1)
	}()
	selectRepo(st.o.Collect, r)
	s, ids, err := st.plan.addRepo(ctx, r, st.o.Ledger, false)
	if err != nil || s == nil {
		return err
	}
	st.seen[s.DataSourceID] = true
	if err := st.guard(ctx, s); err != nil {
		return err
	}
	switch s.Action {
	case ActionSend:
		if err := st.encode(r.DataSourceID, func(e *wizschema.Encoder) error { return writeAssets(e, r) }); err != nil {
			return st.encodeFailed(err)
		}
	case ActionSkipGuard:
		if st.held == nil {
			if st.held, err = wizschema.NewSpool(st.dir, st.o.Schema); err != nil {
				return err
			}
		}
		if err := st.held.Write(s.DataSourceID, func(e *wizschema.Encoder) error { return writeAssets(e, r) }); err != nil {
			return st.encodeFailed(err)
		}
	default:
		return nil
	}
	if st.ids != nil {
		if err := st.ids.add(s.DataSourceID, ids); err != nil {
			return err
		}
	}
	st.written += int64(len(ids))
	st.o.Events.emit(Event{Kind: StepProgress, Step: StepEncode, Done: st.written,
		Message: fmt.Sprintf("%d findings written", st.written)})
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

func writeAssets(e *wizschema.Encoder, r *Repo) error {
	for _, a := range assetsByBranch(r) {
		if err := e.WriteAsset(a.Asset, a.Findings); err != nil {
			return err
		}
	}
	return nil
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

// testHookHolding, when set by a test, follows how many repositories'
// findings the sync holds: +1 once one is read, -1 once it is let go.
var testHookHolding func(delta int)

func holding(delta int) {
	if testHookHolding != nil {
		testHookHolding(delta)
	}
}
