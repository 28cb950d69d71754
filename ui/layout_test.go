package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/app"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// rootOn is the real root with the real screens on a fake service, sized
// w×h and showing id once its first answers arrived.
func rootOn(t *testing.T, id common.ScreenID, w, h int) *app.Model {
	t.Helper()
	svc := &uitest.Fake{ConfiguredV: true, PreviewFn: func(bool) (*common.Preview, error) { return &common.Preview{}, nil }}
	m := app.New(uitest.Common(svc), Screens, id, "")
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	feed(t, m, m.Init())
	return m
}

// feed runs a command and gives what it produces to the root, a few
// rounds deep (spinner ticks are not fed back: they re-arm forever).
func feed(t *testing.T, m *app.Model, cmd tea.Cmd) {
	t.Helper()
	for range 4 {
		if cmd == nil {
			return
		}
		var next []tea.Cmd
		for _, msg := range uitest.Exec(cmd) {
			switch msg.(type) {
			case spinner.TickMsg, tea.BackgroundColorMsg:
				continue
			}
			if fmt.Sprintf("%T", msg) == "tea.backgroundColorMsg" {
				continue
			}
			_, c := m.Update(msg)
			next = append(next, c)
		}
		cmd = tea.Batch(next...)
	}
}

func keyTo(t *testing.T, m *app.Model, k string) {
	t.Helper()
	_, cmd := m.Update(uitest.Key(k))
	feed(t, m, cmd)
}

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"120x40", 120, 40}}

// The help overlay of every screen fits 80×24 and 120×40 with every key
// of the screen in it, whole.
func TestHelpOverlayFitsAndListsEveryKey(t *testing.T) {
	for _, id := range []common.ScreenID{common.Home, common.Check, common.Findings, common.Sync, common.History} {
		for _, sz := range sizes {
			m := rootOn(t, id, sz.w, sz.h)
			keyTo(t, m, "?")
			v := uitest.Plain(m.View().Content)
			lines := strings.Split(v, "\n")
			if len(lines) != sz.h {
				t.Errorf("%s %s: %d lines", id, sz.name, len(lines))
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > sz.w {
					t.Errorf("%s %s: line wider than the terminal: %q", id, sz.name, l)
				}
			}
			body := strings.Join(lines[1:len(lines)-1], "\n")
			if !strings.Contains(body, "? or esc closes this help") {
				t.Errorf("%s %s: the overlay's last line is cut:\n%s", id, sz.name, v)
			}
			for _, g := range m.Screen().FullHelp() {
				for _, b := range g {
					if !b.Enabled() {
						continue
					}
					h := b.Help()
					if !regexp.MustCompile(regexp.QuoteMeta(h.Key) + ` +` + regexp.QuoteMeta(h.Desc)).MatchString(body) {
						t.Errorf("%s %s: the overlay lacks %q:\n%s", id, sz.name, h.Key+" "+h.Desc, v)
					}
				}
			}
			if id == common.Findings {
				uitest.Golden(t, "help-findings-"+sz.name, m.View().Content)
			}
		}
	}
}

// The footer fits, never cuts a hint half way, and always offers ? and q
// when they work.
func TestFooterFitsAndKeepsHelpAndQuit(t *testing.T) {
	cases := []struct {
		id   common.ScreenID
		keys []string
	}{
		{common.Home, nil}, {common.Check, nil}, {common.Findings, nil}, {common.Sync, nil}, {common.History, nil},
		{common.Findings, []string{"t"}}, // per-repository totals: the longest hints
	}
	for _, c := range cases {
		m := rootOn(t, c.id, 80, 24)
		for _, k := range c.keys {
			keyTo(t, m, k)
		}
		lines := strings.Split(uitest.Plain(m.View().Content), "\n")
		foot := lines[len(lines)-1]
		if ansi.StringWidth(foot) > 80 || strings.Contains(foot, "…") {
			t.Errorf("%s %v: footer cut: %q", c.id, c.keys, foot)
		}
		if !strings.HasSuffix(foot, "? help • q quit") {
			t.Errorf("%s %v: footer lacks ? and q: %q", c.id, c.keys, foot)
		}
	}
}

// While the filter input has the keys, ? types into it: the footer does
// not offer it, and pressing it does not open the overlay.
func TestQuestionMarkIsNotOfferedInTextFields(t *testing.T) {
	m := rootOn(t, common.Findings, 80, 24)
	keyTo(t, m, "/")
	if !m.Screen().InputFocused() {
		t.Fatal("/ did not focus the filter")
	}
	lines := strings.Split(uitest.Plain(m.View().Content), "\n")
	if foot := lines[len(lines)-1]; strings.Contains(foot, "? help") || strings.Contains(foot, "q quit") {
		t.Errorf("footer offers a key the filter takes: %q", foot)
	}
	keyTo(t, m, "?")
	v := uitest.Plain(m.View().Content)
	if strings.Contains(v, "closes this help") || !strings.Contains(v, "/ ?") {
		t.Errorf("? did not go to the filter:\n%s", v)
	}
	uitest.Golden(t, "findings-filter-footer-80x24", m.View().Content)
}

func footerOf(m *app.Model) string {
	lines := strings.Split(uitest.Plain(m.View().Content), "\n")
	return lines[len(lines)-1]
}

func TestTotalsFooterKeepsTheWayBack(t *testing.T) {
	m := rootOn(t, common.Findings, 80, 24)
	keyTo(t, m, "t")
	if foot := footerOf(m); !strings.Contains(foot, "t back to findings") {
		t.Errorf("the totals footer lacks the way back: %q", foot)
	}
}

// From a failing check, e opens the wizard with the failing setting's
// field focused, at 80×24 and 120×40.
func TestCheckEditOpensTheWizardAtTheField(t *testing.T) {
	for _, sz := range sizes {
		cfg := *config.Default()
		cfg.Wiz.APIEndpoint, cfg.Wiz.AuthURL, cfg.Wiz.ClientID = "https://api.us17.app.wiz.io/graphql", "https://auth.app.wiz.io/oauth/token", "client"
		cfg.Semgrep.Deployment = "acme"
		svc := &uitest.Fake{ConfiguredV: true, ConfigV: cfg,
			Secrets: map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
			CheckFn: func(bool) ([]pipeline.CheckResult, error) {
				return []pipeline.CheckResult{
					{Name: "Wiz token", OK: true, Detail: "expires in 1h"},
					{Name: "Semgrep token", Detail: "401 Unauthorized", Hint: "create a new token in Semgrep → Settings → Tokens"},
				}, nil
			}}
		m := app.New(uitest.Common(svc), Screens, common.Check, "")
		m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		feed(t, m, m.Init())
		if foot := footerOf(m); !strings.HasPrefix(foot, "e edit Semgrep token") {
			t.Errorf("%s: footer %q", sz.name, foot)
		}
		keyTo(t, m, "e")
		if m.ScreenID() != common.Setup {
			t.Fatalf("%s: e showed %s", sz.name, m.ScreenID())
		}
		marked := false
		for _, l := range strings.Split(uitest.Plain(m.View().Content), "\n") {
			if strings.HasPrefix(l, "┃ API token") {
				marked = true
			}
		}
		if !marked {
			t.Errorf("%s: the token field is not focused:\n%s", sz.name, uitest.Plain(m.View().Content))
		}
		uitest.Golden(t, "check-edit-setup-"+sz.name, m.View().Content)
	}
}
