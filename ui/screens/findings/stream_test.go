package findings

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// gate passes the stream on until the first repository with rows is
// done, then holds it until released (or cancelled).
type gate struct {
	sink     pipeline.PreviewSink
	ctx      context.Context
	release  chan struct{}
	held     bool
	canceled *atomic.Bool
}

func (g *gate) Repo(r *pipeline.Repo) { g.sink.Repo(r) }
func (g *gate) Rows(r *pipeline.Repo, rows []pipeline.PreviewRow) {
	g.sink.Rows(r, rows)
}
func (g *gate) Done(r *pipeline.Repo, s *pipeline.SourcePlan) {
	g.sink.Done(r, s)
	if g.held || r == nil || len(r.Sent) == 0 {
		return
	}
	g.held = true
	select {
	case <-g.release:
	case <-g.ctx.Done():
		g.canceled.Store(true)
	}
}

// streaming is the screen with the fixture's stream held after its first
// repository with findings (acme/payments-api, 3 rows).
func streaming(t *testing.T) (m *Model, release chan struct{}, done chan tea.Msg, canceled *atomic.Bool, p *common.Preview) {
	t.Helper()
	p = fixturePreview(t, pipeline.DefaultGuards())
	release, canceled = make(chan struct{}), new(atomic.Bool)
	svc := &uitest.Fake{PreviewStreamFn: func(ctx context.Context, all bool, sink pipeline.PreviewSink) (*common.Preview, error) {
		if err := pipeline.ReplayPreview(ctx, p.Collection, p.Plan, &gate{sink: sink, ctx: ctx, release: release, canceled: canceled}); err != nil {
			return nil, err
		}
		return p, nil
	}}
	m = New(uitest.Common(svc))
	m.SetSize(120, 38)
	cmds := m.Init()().(tea.BatchMsg)
	done = make(chan tea.Msg, 1)
	// cmds: spinner tick, then the load's batch (stream, wait).
	load := cmds[1]().(tea.BatchMsg)
	go func() { done <- load[0]() }()
	quick(t, m, load[1])
	return m, release, done, canceled, p
}

// quick runs cmd and what its messages lead to, leaving out commands
// that wait for more of the stream (they would block).
func quick(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	for range 20 {
		if cmd == nil {
			return
		}
		var next []tea.Cmd
		for _, msg := range execFor(cmd, 400*time.Millisecond) {
			_, c := m.Update(msg)
			next = append(next, c)
		}
		cmd = tea.Batch(next...)
	}
}

func execFor(cmd tea.Cmd, d time.Duration) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, execFor(c, d)...)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		if _, tick := msg.(interface{ Time() time.Time }); tick {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(d):
		return nil
	}
}

func TestRowsShowBeforeTheStreamIsDone(t *testing.T) {
	m, release, done, _, p := streaming(t)
	if !m.loaded || !m.loading {
		t.Fatalf("loaded %v loading %v: the first rows should show while loading", m.loaded, m.loading)
	}
	if m.table.Total() == 0 || m.table.Len() == 0 {
		t.Fatal("no rows while loading")
	}
	assertFits(t, m, 120, 38)
	uitest.Golden(t, "findings-120x40-streaming", m.View())
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "reading") || !strings.Contains(v, "of 4 repositories") || !strings.Contains(v, "so far") {
		t.Errorf("no progress line:\n%s", v)
	}
	// Usable while loading: cursor, filter, detail.
	press(t, m, "down")
	if m.table.Cursor() != 1 && m.table.Len() > 1 {
		t.Errorf("cursor at %d", m.table.Cursor())
	}
	press(t, m, "/")
	typeText(t, m, "weak")
	m.Update(uitest.Key("enter"))
	quick(t, m, m.refresh(true))
	if m.table.Len() != 1 {
		t.Errorf("filter mid-load shows %d rows, want 1", m.table.Len())
	}
	if r, ok := m.Selected(); !ok || r.WizID != "sg-2f9e8d7c6b" {
		t.Errorf("selected %+v", r)
	}
	close(release)
	quick(t, m, func() tea.Msg { return <-done })
	if m.loading || m.preview == nil || m.preview.Plan != p.Plan {
		t.Fatal("the final plan is not the screen's")
	}
	want := Totals{New: 4, Unchanged: 2, Fixed: 4, Excluded: 4, Repositories: 5, Failed: 1}
	if m.Totals() != want {
		t.Errorf("totals %+v, want %+v", m.Totals(), want)
	}
	m.setFilter("")
	quick(t, m, m.refresh(true))
	if m.table.Len() != 10 {
		t.Errorf("%d rows once done, want 10", m.table.Len())
	}
}

func TestStaleBatchesAreDropped(t *testing.T) {
	m, release, done, _, _ := streaming(t)
	defer close(release)
	snap := m.snap
	empty := &batchMsg{gen: m.loadGen - 1}
	m.Update(*empty)
	m.Update(doneMsg{gen: m.loadGen - 1, err: context.Canceled})
	if m.snap != snap || !m.loading || m.err != nil {
		t.Error("a stale batch or end changed the screen")
	}
	m.Leave()
	<-done
}

func TestLeavingCancelsTheStream(t *testing.T) {
	m, _, done, canceled, _ := streaming(t)
	m.Leave()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream goes on after the screen was left")
	}
	if !canceled.Load() {
		t.Error("the stream's context was not cancelled")
	}
}

func TestReloadCancelsTheStreamInFlight(t *testing.T) {
	m, _, done, canceled, _ := streaming(t)
	m.loading = false // r is offered once the load is done; force it here
	m.Update(uitest.Key("r"))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the first stream goes on after a reload")
	}
	if !canceled.Load() {
		t.Error("the first stream's context was not cancelled")
	}
}
