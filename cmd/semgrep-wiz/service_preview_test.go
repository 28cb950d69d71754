package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// rowsOf is what a preview shows per repository, in words a test can
// compare: every row's state, id and reason, sorted.
type rowsOf map[string][]string

type recordSink struct {
	rows  rowsOf
	plans map[string]string
	order []string
}

func (s *recordSink) Repo(r *pipeline.Repo) { s.order = append(s.order, r.Name) }
func (s *recordSink) Rows(r *pipeline.Repo, rows []pipeline.PreviewRow) {
	for _, row := range rows {
		s.rows[r.Name] = append(s.rows[r.Name], fmt.Sprintf("%d %s %s:%d %s %s", row.State, row.WizID, row.Finding.Path, row.Finding.StartLine, row.Finding.RuleID, row.Reason))
	}
}
func (s *recordSink) Done(r *pipeline.Repo, sp *pipeline.SourcePlan) {
	if sp == nil {
		return
	}
	s.plans[sp.DataSourceID] = fmt.Sprintf("%s %s fixed=%v", sp.Action, sp.Reason, sp.Fixed)
}

// The streamed preview shows what the whole preview shows: the same rows
// per repository, the same plan per data source and the same totals.
func TestPreviewStreamMatchesPreview(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("sync", "--yes"); code != 0 {
		t.Fatalf("first sync: exit %d: %s", code, stderr)
	}
	fixSome(h.sg, "acme/payments-api", 5) // so some ids will be fixed
	e := env{getenv: func(k string) string { return h.vars[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(filepath.Join(h.dir, "credentials.yaml"))}
	svc := newService(&common{}, e)
	defer svc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// What the preview was before it streamed: the whole collection
	// (pipeline.Collect) and BuildPlan, replayed row by row.
	a, err := app.Load(app.Options{}, e.core(), app.Needs{Semgrep: true})
	if err != nil {
		t.Fatal(err)
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	col, plan, err := a.Plan(ctx, led, func(pipeline.Event) {}, true)
	led.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := &recordSink{rows: rowsOf{}, plans: map[string]string{}}
	if err := pipeline.ReplayPreview(ctx, col, plan, want); err != nil {
		t.Fatal(err)
	}
	got := &recordSink{rows: rowsOf{}, plans: map[string]string{}}
	streamed, err := svc.PreviewStream(ctx, true, got)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*recordSink{want, got} {
		for k := range r.rows {
			slices.Sort(r.rows[k])
		}
	}
	if !reflect.DeepEqual(got.order, want.order) {
		t.Errorf("repositories announced %v, want %v", got.order, want.order)
	}
	if !reflect.DeepEqual(got.rows, want.rows) {
		t.Errorf("rows differ:\n got %v\nwant %v", got.rows, want.rows)
	}
	if !reflect.DeepEqual(got.plans, want.plans) {
		t.Errorf("plans differ:\n got %v\nwant %v", got.plans, want.plans)
	}
	p, q := plan, streamed.Plan
	if p.New != q.New || p.Unchanged != q.Unchanged || p.Resolved != q.Resolved || p.Excluded != q.Excluded || p.Repositories != q.Repositories || len(p.Sources) != len(q.Sources) {
		t.Errorf("plan totals: stream %+v, preview %+v", q, p)
	}
	fixed := 0
	for _, s := range q.Sources {
		fixed += s.WillFix
	}
	if fixed == 0 || len(got.rows) == 0 {
		t.Fatalf("the test data has no fixed ids (%d) or no rows", fixed)
	}

	// Preview keeps no rows but plans the same.
	kept, err := svc.Preview(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if k := kept.Plan; k.New != q.New || k.Unchanged != q.Unchanged || k.Resolved != q.Resolved || k.Excluded != q.Excluded || len(k.Sources) != len(q.Sources) {
		t.Errorf("Preview's plan %+v, the stream's %+v", k, q)
	}
	for _, r := range kept.Collection.Repos {
		if len(r.Sent) > 0 {
			t.Fatalf("Preview kept the findings of %s", r.Name)
		}
	}

	// The detail pane's finding, read again, is the one the preview has.
	for _, r := range col.Repos {
		if !r.InScope || len(r.Sent) == 0 {
			continue
		}
		f := &r.Sent[len(r.Sent)-1]
		again, err := svc.PreviewFinding(ctx, r.Name, r.WizID(f))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(wizschema.MapFinding(again), wizschema.MapFinding(f)) {
			t.Errorf("PreviewFinding gave another finding:\n%+v\n%+v", again, f)
		}
		break
	}
}
