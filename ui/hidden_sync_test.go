package ui

import (
	"context"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/app"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// pump runs a command's messages through the root, as the program would,
// dropping spinner ticks (they would loop) and anything that blocks longer
// than a moment (the running sync, the elapsed-time tick).
func pump(t *testing.T, m *app.Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(300 * time.Millisecond):
		return
	}
	switch msg := msg.(type) {
	case nil, spinner.TickMsg:
	case tea.BatchMsg:
		for _, c := range msg {
			pump(t, m, c)
		}
	default:
		_, next := m.Update(msg)
		pump(t, m, next)
	}
}

func TestKeysTypedElsewhereNeverReachTheRunningSync(t *testing.T) {
	plan := &pipeline.Plan{Repositories: 1, Findings: 3, New: 3,
		Sources: []*pipeline.SourcePlan{{DataSourceID: "ds-1", Name: "acme/api", Action: pipeline.ActionSend, New: 3}}}
	cancelled := make(chan struct{})
	svc := &uitest.Fake{ConfiguredV: true,
		PreviewFn: func(bool) (*common.Preview, error) { return &common.Preview{Plan: plan}, nil },
		SyncFn: func(ctx context.Context, _ common.SyncOptions, _ pipeline.Sink) (*pipeline.Result, error) {
			<-ctx.Done()
			close(cancelled)
			return nil, ctx.Err()
		}}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	m, _ := New(ctx, svc, common.Home)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press := func(k string) {
		_, cmd := m.Update(uitest.Key(k))
		pump(t, m, cmd)
	}
	press("4") // plan
	press("y") // confirm: the sync runs
	if !m.Busy() {
		t.Fatal("the sync did not start")
	}
	press("3") // the preview, while the sync runs
	if m.ScreenID() != common.Findings {
		t.Fatalf("on %s, want the preview", m.ScreenID())
	}
	press("/")
	for _, k := range []string{"c", "y", "c", "Y"} {
		press(k)
	}
	m.Update(tea.PasteMsg{Content: "cy"})
	m.Update(tea.MouseClickMsg{X: 3, Y: 3, Button: tea.MouseLeft})
	select {
	case <-cancelled:
		t.Fatal("keys typed in the preview's filter cancelled the hidden sync")
	case <-time.After(100 * time.Millisecond):
	}
	if !m.Busy() {
		t.Fatal("the sync is no longer running")
	}
	press("enter") // the filter is applied; nothing else changed
	press("4")     // back to the sync: still running, cancel asks first
	if m.ScreenID() != common.Sync || !m.Busy() {
		t.Fatalf("on %s busy=%v, want the running sync", m.ScreenID(), m.Busy())
	}
}
