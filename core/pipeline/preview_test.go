package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
)

// recSink records what StreamPreview hands it, copying each row as the
// contract asks.
type recSink struct {
	announced []string
	rows      []string // repo|wiz id|state|reason
	done      map[string]SourcePlan
	fixed     []string // repo|id
	order     []string // per repository: rows… then done
	afterDone int      // rows that came after their repository's Done
}

func (s *recSink) Repo(r *Repo) { s.announced = append(s.announced, r.Name) }

func (s *recSink) Rows(r *Repo, rows []PreviewRow) {
	for _, d := range s.order {
		if d == r.Name {
			s.afterDone++
		}
	}
	for _, x := range rows {
		id := x.WizID
		if x.State == RowExcluded {
			id = r.WizID(x.Finding)
		}
		s.rows = append(s.rows, fmt.Sprintf("%s|%s|%d|%s", r.Name, id, x.State, x.Reason))
	}
}

func (s *recSink) Done(r *Repo, sp *SourcePlan) {
	if s.done == nil {
		s.done = map[string]SourcePlan{}
	}
	name := "left:"
	if r != nil {
		name = r.Name
		s.order = append(s.order, r.Name)
	}
	if sp == nil {
		return
	}
	s.done[name+sp.DataSourceID] = *sp
	for _, id := range sp.Fixed {
		s.fixed = append(s.fixed, sp.Name+"|"+id)
	}
}

// StreamPreview plans exactly what Collect and BuildPlan plan: the same
// rows (state, id, reason), the same sources, counts, fixed ids and
// guards, on data where Wiz holds something and some of it is gone.
func TestStreamPreviewEqualsTheWholeCollectionPlan(t *testing.T) {
	m := newMemRig(t)
	first := m.sync(t, m.opts())
	var name string
	for _, r := range first.Repositories {
		if r.State == "sent" && r.Sent >= 40 {
			name = r.Name
			break
		}
	}
	dropFindings(t, m.sg, name, func(i int, _ semgreptest.Finding) bool { return i%5 == 0 }) // trips the guard
	o := m.opts().Collect
	o.AllFindings = true
	po := PlanOptions{Guards: DefaultGuards(), FullRun: true}
	col, err := Collect(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want, err := BuildPlan(context.Background(), col, m.l, po)
	if err != nil {
		t.Fatal(err)
	}
	var wantRows, wantFixed []string
	for _, r := range col.Repos {
		sp := want.Source(r.DataSourceID)
		for i := range r.Sent {
			st := RowNew
			if sp.IsHeld(r.WizID(&r.Sent[i])) {
				st = RowUnchanged
			}
			wantRows = append(wantRows, fmt.Sprintf("%s|%s|%d|", r.Name, r.WizID(&r.Sent[i]), st))
		}
		for _, x := range r.Excluded {
			wantRows = append(wantRows, fmt.Sprintf("%s|%s|%d|%s", r.Name, r.WizID(&x.Finding), RowExcluded, ExcludedReason(x)))
		}
	}
	for _, s := range want.Sources {
		for _, id := range s.Fixed {
			wantFixed = append(wantFixed, s.Name+"|"+id)
		}
	}

	o.Concurrency = 3
	var sink recSink
	gcol, got, err := StreamPreview(context.Background(), o, m.l, po, &sink)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range col.Repos {
		names = append(names, r.Name)
	}
	if !slices.Equal(sink.announced, names) {
		t.Errorf("announced %d repositories, want %d in collection order", len(sink.announced), len(names))
	}
	sort.Strings(wantRows)
	sort.Strings(sink.rows)
	if len(wantRows) == 0 || !slices.Equal(sink.rows, wantRows) {
		t.Errorf("%d rows, want %d (or they differ)", len(sink.rows), len(wantRows))
	}
	sort.Strings(sink.fixed)
	sort.Strings(wantFixed)
	if len(wantFixed) == 0 || !slices.Equal(sink.fixed, wantFixed) {
		t.Errorf("fixed %d, want %d", len(sink.fixed), len(wantFixed))
	}
	if sink.afterDone > 0 {
		t.Errorf("%d pages came after their repository's Done", sink.afterDone)
	}
	if len(got.Sources) != len(want.Sources) {
		t.Fatalf("%d sources, want %d", len(got.Sources), len(want.Sources))
	}
	for i, w := range want.Sources {
		g := got.Sources[i]
		if g.DataSourceID != w.DataSourceID || g.Action != w.Action || g.New != w.New || g.Unchanged != w.Unchanged ||
			g.WillFix != w.WillFix || g.Held != w.Held || g.Reason != w.Reason {
			t.Errorf("source %s: got %+v, want %+v", w.Name, *g, *w)
		}
	}
	if !got.MassResolveHeld || len(got.Trips) != len(want.Trips) || got.Findings != want.Findings || got.Excluded != want.Excluded ||
		got.NotInScopeRepos != want.NotInScopeRepos {
		t.Errorf("plan totals differ: got %+v want %+v", *got, *want)
	}
	ws, we, wr, wf := col.Totals()
	gs, ge, gr, gf := gcol.Totals()
	if ws != gs || we != ge || wr != gr || wf != gf {
		t.Errorf("collection totals %d %d %d %d, want %d %d %d %d", gs, ge, gr, gf, ws, we, wr, wf)
	}
	for _, r := range gcol.Repos {
		if len(r.Sent) > 0 || len(r.Excluded) > 0 {
			t.Fatalf("%s: the collection kept findings", r.Name)
		}
	}
}
