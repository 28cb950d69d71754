package app

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// fakeScreen records what it receives.
type fakeScreen struct {
	id      common.ScreenID
	arg     string
	w, h    int
	got     []tea.Msg
	focused bool
}

func (f *fakeScreen) Init() tea.Cmd { return nil }
func (f *fakeScreen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	f.got = append(f.got, msg)
	return f, nil
}
func (f *fakeScreen) View() string {
	return "screen " + string(f.id) + "\n" + strings.Repeat("line\n", 100)
}
func (f *fakeScreen) SetSize(w, h int)          { f.w, f.h = w, h }
func (f *fakeScreen) Title() string             { return strings.ToUpper(string(f.id)) }
func (f *fakeScreen) ShortHelp() []key.Binding  { return nil }
func (f *fakeScreen) FullHelp() [][]key.Binding { return nil }
func (f *fakeScreen) InputFocused() bool        { return f.focused }

func newRoot(t *testing.T) (*Model, map[common.ScreenID]*fakeScreen) {
	made := map[common.ScreenID]*fakeScreen{}
	f := func(_ *common.Common, id common.ScreenID, arg string) common.Screen {
		s := &fakeScreen{id: id, arg: arg}
		made[id] = s
		return s
	}
	m := New(uitest.Common(&uitest.Fake{}), f, common.Home, "")
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m, made
}

func press(m *Model, k string) tea.Cmd {
	_, cmd := m.Update(uitest.Key(k))
	return cmd
}

func TestDigitsNavigateAndScreensGetTheContentArea(t *testing.T) {
	m, made := newRoot(t)
	for k, id := range map[string]common.ScreenID{"2": common.Check, "3": common.Findings, "4": common.Sync, "5": common.History, "1": common.Home} {
		press(m, k)
		if m.ScreenID() != id {
			t.Fatalf("key %s showed %s", k, m.ScreenID())
		}
		if s := made[id]; s.w != 100 || s.h != 28 {
			t.Fatalf("%s sized %d×%d, want 100×28", id, s.w, s.h)
		}
	}
	m.Update(common.NavigateMsg{To: common.History, Arg: "run-1"})
	if made[common.History].arg != "run-1" {
		t.Fatal("navigation argument lost")
	}
}

func TestQuitOnlyOutsideTextInput(t *testing.T) {
	m, made := newRoot(t)
	made[common.Home].focused = true
	if cmd := press(m, "q"); cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q quit while a text input had focus")
		}
	}
	if last := made[common.Home].got[len(made[common.Home].got)-1]; last.(tea.KeyPressMsg).Text != "q" {
		t.Fatal("q not given to the focused input")
	}
	press(m, "3") // a digit goes to the input too
	if m.ScreenID() != common.Home {
		t.Fatal("digit navigated away from a focused input")
	}
	made[common.Home].focused = false
	cmd := press(m, "q")
	if cmd == nil {
		t.Fatal("q did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
}

func TestCtrlCDuringSyncAsksTheSyncScreen(t *testing.T) {
	m, made := newRoot(t)
	press(m, "4")
	m.Update(common.BusyMsg{Busy: true})
	press(m, "5") // look at the history meanwhile
	m.Update(common.EventMsg{Event: pipeline.Event{Kind: pipeline.StepStarted, Step: pipeline.StepUpload}})
	syncScreen := made[common.Sync]
	var sawEvent bool
	for _, g := range syncScreen.got {
		if _, ok := g.(common.EventMsg); ok {
			sawEvent = true
		}
	}
	if !sawEvent {
		t.Fatal("pipeline event did not reach the sync screen while another was visible")
	}
	cmd := press(m, "ctrl+c")
	if cmd != nil {
		for _, msg := range uitest.Exec(cmd) {
			if _, ok := msg.(tea.QuitMsg); ok {
				t.Fatal("ctrl+c quit in the middle of a sync")
			}
		}
	}
	if m.ScreenID() != common.Sync {
		t.Fatal("ctrl+c did not bring the sync screen forward")
	}
	if _, ok := syncScreen.got[len(syncScreen.got)-1].(common.CancelRequestMsg); !ok {
		t.Fatalf("sync screen got %T, want CancelRequestMsg", syncScreen.got[len(syncScreen.got)-1])
	}
	m.Update(common.BusyMsg{Busy: false})
	if cmd := press(m, "ctrl+c"); cmd == nil {
		t.Fatal("ctrl+c after the sync did not quit")
	}
}

func TestViewFillsTheTerminalExactly(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m, _ := newRoot(t)
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		n, w := uitest.Lines(m.render())
		if n != size[1] || w > size[0] {
			t.Fatalf("%v: view is %d lines, %d wide", size, n, w)
		}
	}
	m, _ := newRoot(t)
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	if v := uitest.Plain(m.render()); !strings.Contains(v, "needs at least 80×24") {
		t.Fatalf("too-small notice missing:\n%s", v)
	}
}

func TestHelpOverlay(t *testing.T) {
	m, _ := newRoot(t)
	press(m, "?")
	if v := uitest.Plain(m.render()); !strings.Contains(v, "Keys") || !strings.Contains(v, "ctrl+c") {
		t.Fatalf("full help missing:\n%s", v)
	}
	press(m, "esc")
	if v := uitest.Plain(m.render()); !strings.Contains(v, "screen home") {
		t.Fatal("esc did not close the help")
	}
}
