package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/ui"
	uiapp "github.com/semgrep-wiz/semgrep-wiz/ui/app"
)

// waitText waits until the program's output shows every string.
func waitText(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, s := range texts {
			if !bytes.Contains(b, []byte(s)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func sendKeys(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
			// A form moves to its next field through a command; give it
			// time before the next keys (slow under -race).
			time.Sleep(150 * time.Millisecond)
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "ctrl+u":
			tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
		default:
			for _, r := range k {
				tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// The whole first run in the real app against the stand-ins: the wizard,
// the connection check, the preview, a sync, and its history.
func TestTerminalAppFirstRunFlow(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	endpoint, auth, semgrepURL, token := h.vars["WIZ_API_ENDPOINT"], h.vars["WIZ_AUTH_URL"], h.vars["SEMGREP_API_URL"], h.vars["SEMGREP_APP_TOKEN"]
	for _, k := range []string{"WIZ_API_ENDPOINT", "WIZ_AUTH_URL", "WIZ_CLIENT_ID", "WIZ_CLIENT_SECRET", "SEMGREP_APP_TOKEN", "SEMGREP_DEPLOYMENT", "SEMGREP_API_URL"} {
		delete(h.vars, k)
	}
	creds := filepath.Join(h.dir, "credentials.yaml")
	e := env{getenv: func(k string) string { return h.vars[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(creds)}
	svc := newService(&common{}, e)
	defer svc.Close()
	if svc.Configured() {
		t.Fatal("the harness should start unconfigured")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, relay := ui.New(ctx, svc, "")
	m.NoAltScreen = true
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40), teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	relay.Attach(tm.GetProgram())
	defer relay.Stop()

	// Each page is built by a command when the previous one is done: keys
	// sent before it exists would be lost, so wait for something only that
	// page shows.
	waitText(t, tm, "API endpoint")
	sendKeys(tm, endpoint, "enter", auth, "enter", testClientID, "enter", testClientSecret, "enter")
	waitText(t, tm, "Semgrep API URL")
	// The stand-in's URL replaces the default https://semgrep.dev/api/v1.
	sendKeys(tm, "ctrl+u", semgrepURL, "enter", token, "enter")
	waitText(t, tm, "acme-corp")
	sendKeys(tm, "enter")
	waitText(t, tm, "Severities to send")
	sendKeys(tm, "enter", "enter", "enter", "enter")
	waitText(t, tm, "Full scans only")
	sendKeys(tm, "enter")
	waitText(t, tm, "Semgrep deployment", "Acme Corp")

	// The preview fills as repositories arrive, and the renderer writes
	// only the cells that change, so a growing count never appears whole
	// in the output: wait for the table itself (the findings screen's own
	// tests count its rows; the sync below plans the same 754).
	sendKeys(tm, "3")
	waitText(t, tm, "Findings preview", "File:line", "+ new")
	sendKeys(tm, "4")
	waitText(t, tm, "Start the sync?", "754 findings")
	sendKeys(tm, "y")
	waitText(t, tm, "Success")
	sendKeys(tm, "5")
	waitText(t, tm, "success")
	sendKeys(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	if n := len(h.wz.Uploads()); n != 1 {
		t.Fatalf("Wiz received %d uploads", n)
	}
	fm := tm.FinalModel(t).(*uiapp.Model)
	if fm.Busy() {
		t.Fatal("the app ended busy")
	}
	// What the wizard saved: settings in the config file, secrets only in
	// the 0600 credentials file.
	b, err := os.ReadFile(h.vars["SEMGREP_WIZ_CONFIG"])
	if err != nil || !strings.Contains(string(b), endpoint) || strings.Contains(string(b), testClientSecret) || strings.Contains(string(b), token) {
		t.Fatalf("config file: %v\n%s", err, b)
	}
	st, err := os.Stat(creds)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", st, err)
	}
}
