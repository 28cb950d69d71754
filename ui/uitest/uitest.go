// Package uitest holds what screen tests share: a fake Service whose
// answers a test sets, a golden-file helper for views at fixed sizes, and
// a way to run the commands a model returns.
package uitest

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/keys"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Fixed is the clock of golden tests.
var Fixed = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// Common returns a Common for tests: dark theme, default keys, the fake
// service, a fixed clock, and an event sink that records.
func Common(svc common.Service) *common.Common {
	return &common.Common{Styles: theme.Default(), Keys: keys.DefaultGlobal(), Service: svc, Ctx: context.Background(),
		Events: func(pipeline.Event) {}, Now: func() time.Time { return Fixed }}
}

// Golden compares view (ANSI stripped, trailing spaces trimmed) with
// testdata/<name>.golden; -update rewrites it.
func Golden(t *testing.T, name, view string) {
	t.Helper()
	got := Plain(view)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("view differs from %s (run with -update after checking):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// Plain strips ANSI and trailing spaces, line by line.
func Plain(view string) string {
	lines := strings.Split(ansi.Strip(view), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// Lines is the view's line count and widest line, for size assertions.
func Lines(view string) (n, width int) {
	for _, l := range strings.Split(view, "\n") {
		n++
		width = max(width, ansi.StringWidth(l))
	}
	return n, width
}

// Exec runs a command (and batches and sequences, recursively) and returns
// the messages it produced, skipping ticks that would block (spinner and
// timer ticks are returned unrun when they take longer than 50 ms).
func Exec(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(2 * time.Second):
		return nil
	}
	switch m := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, Exec(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// Key is a key press as Bubble Tea v2 delivers it.
func Key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	}
	if rest, ok := strings.CutPrefix(s, "ctrl+"); ok && len(rest) == 1 {
		return tea.KeyPressMsg{Code: rune(rest[0]), Mod: tea.ModCtrl}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

// Fake is a Service whose answers the test sets. Unset functions answer
// with zero values; calls are counted.
type Fake struct {
	ConfiguredV   bool
	ConfigV       config.Config
	Secrets       map[string]bool
	Rejected      map[string]bool // SecretRejected
	Where         string          // SecretsWhere
	TestFn        func(c config.Config, wizSecret, semgrepToken string) ([]pipeline.CheckResult, error)
	SaveFn        func(c config.Config, wizSecret, semgrepToken string) error
	DeleteFn      func(c config.DeleteChoice) ([]config.DeleteItem, error)
	DeletePlanFn  func(c config.DeleteChoice) ([]config.DeleteItem, error)
	DeploymentsFn func(apiURL, token string) ([]semgrep.Deployment, error)
	CheckFn       func(includeUpload bool) ([]pipeline.CheckResult, error)
	PreviewFn     func(all bool) (*common.Preview, error)
	// PreviewStreamFn answers PreviewStream; unset, PreviewFn's preview is
	// replayed into the sink.
	PreviewStreamFn func(ctx context.Context, all bool, sink pipeline.PreviewSink) (*common.Preview, error)
	SyncFn          func(ctx context.Context, o common.SyncOptions, events pipeline.Sink) (*pipeline.Result, error)
	RunsFn          func(n int) ([]ledger.Run, error)
	RunFn           func(id string) (common.RunDetail, error)
	HomeFn          func() (common.HomeInfo, error)
	ElsewhereFn     func() (*ledger.Elsewhere, error)
	StatusFn        func() (status.Report, error)
	calls           map[string]int // read through Count and Total
	mu              sync.Mutex
}

// Count is how often a method was called (safe while calls run).
func (f *Fake) Count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

// Total is how many calls were made to any method.
func (f *Fake) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *Fake) count(name string) {
	// Screens call the service from commands, several at once.
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[name]++
}

var errUnset = errors.New("not set in the fake")

func (f *Fake) Configured() bool { return f.ConfiguredV }
func (f *Fake) Config() config.Config {
	return f.ConfigV
}
func (f *Fake) HasSecret(name string) bool          { return f.Secrets[name] }
func (f *Fake) SecretRejected(name string) bool     { return f.Rejected[name] }
func (f *Fake) SecretsWhere(context.Context) string { return f.Where }

// TestCredentials answers no results (nothing failed) unless TestFn is set.
func (f *Fake) TestCredentials(_ context.Context, c config.Config, ws, st string) ([]pipeline.CheckResult, error) {
	f.count("TestCredentials")
	if f.TestFn == nil {
		return nil, nil
	}
	return f.TestFn(c, ws, st)
}
func (f *Fake) SaveConfig(_ context.Context, c config.Config, ws, st string) error {
	f.count("SaveConfig")
	if f.SaveFn == nil {
		return nil
	}
	return f.SaveFn(c, ws, st)
}
func (f *Fake) DeletePlan(_ context.Context, c config.DeleteChoice) ([]config.DeleteItem, error) {
	f.count("DeletePlan")
	if f.DeletePlanFn == nil {
		return nil, nil
	}
	return f.DeletePlanFn(c)
}
func (f *Fake) DeleteConfig(_ context.Context, c config.DeleteChoice) ([]config.DeleteItem, error) {
	f.count("DeleteConfig")
	if f.DeleteFn == nil {
		return nil, nil
	}
	return f.DeleteFn(c)
}
func (f *Fake) Deployments(_ context.Context, apiURL, token string) ([]semgrep.Deployment, error) {
	f.count("Deployments")
	if f.DeploymentsFn == nil {
		return nil, errUnset
	}
	return f.DeploymentsFn(apiURL, token)
}
func (f *Fake) Check(_ context.Context, up bool) ([]pipeline.CheckResult, error) {
	f.count("Check")
	if f.CheckFn == nil {
		return nil, errUnset
	}
	return f.CheckFn(up)
}
func (f *Fake) Preview(_ context.Context, all bool) (*common.Preview, error) {
	f.count("Preview")
	if f.PreviewFn == nil {
		return nil, errUnset
	}
	return f.PreviewFn(all)
}
func (f *Fake) PreviewStream(ctx context.Context, all bool, sink pipeline.PreviewSink) (*common.Preview, error) {
	f.count("PreviewStream")
	if f.PreviewStreamFn != nil {
		return f.PreviewStreamFn(ctx, all, sink)
	}
	if f.PreviewFn == nil {
		return nil, errUnset
	}
	p, err := f.PreviewFn(all)
	if err != nil || p == nil {
		return p, err
	}
	if err := pipeline.ReplayPreview(ctx, p.Collection, p.Plan, sink); err != nil {
		return nil, err
	}
	return p, nil
}

// PreviewFinding finds the finding in PreviewFn's collection.
func (f *Fake) PreviewFinding(_ context.Context, repo, wizID string) (*finding.Finding, error) {
	f.count("PreviewFinding")
	if f.PreviewFn == nil {
		return nil, errUnset
	}
	p, err := f.PreviewFn(true)
	if err != nil || p == nil || p.Collection == nil {
		return nil, errUnset
	}
	for _, r := range p.Collection.Repos {
		if r.Name != repo {
			continue
		}
		for i := range r.Sent {
			if r.WizID(&r.Sent[i]) == wizID {
				return &r.Sent[i], nil
			}
		}
	}
	return nil, common.ErrFindingGone
}

func (f *Fake) Sync(ctx context.Context, o common.SyncOptions, ev pipeline.Sink) (*pipeline.Result, error) {
	f.count("Sync")
	if f.SyncFn == nil {
		return nil, errUnset
	}
	return f.SyncFn(ctx, o, ev)
}
func (f *Fake) Runs(_ context.Context, n int) ([]ledger.Run, error) {
	f.count("Runs")
	if f.RunsFn == nil {
		return nil, nil
	}
	return f.RunsFn(n)
}
func (f *Fake) Run(_ context.Context, id string) (common.RunDetail, error) {
	f.count("Run")
	if f.RunFn == nil {
		return common.RunDetail{}, errUnset
	}
	return f.RunFn(id)
}
func (f *Fake) SyncElsewhere(context.Context) (*ledger.Elsewhere, error) {
	f.count("SyncElsewhere")
	if f.ElsewhereFn == nil {
		return nil, nil
	}
	return f.ElsewhereFn()
}
func (f *Fake) Home(context.Context) (common.HomeInfo, error) {
	f.count("Home")
	if f.HomeFn == nil {
		return common.HomeInfo{Configured: f.ConfiguredV}, nil
	}
	return f.HomeFn()
}

// Status answers an empty report (nothing held) unless StatusFn is set.
func (f *Fake) Status(context.Context) (status.Report, error) {
	f.count("Status")
	if f.StatusFn == nil {
		return status.Report{}, nil
	}
	return f.StatusFn()
}

var _ common.Service = (*Fake)(nil)
var _ = keys.DefaultGlobal
