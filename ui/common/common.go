// Package common is the contract between the root model and the screens:
// the shared Common (styles, keys, size, service), the Screen interface,
// the Service seam to core, and the messages screens and root exchange.
package common

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/ui/keys"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// ScreenID names a screen.
type ScreenID string

const (
	Home     ScreenID = "home"
	Setup    ScreenID = "setup"
	Check    ScreenID = "check"
	Findings ScreenID = "findings"
	Sync     ScreenID = "sync"
	History  ScreenID = "history"
)

// Common is shared by the root and every screen. The root owns it and
// updates Styles (light/dark) and the size; screens read it.
type Common struct {
	Styles  theme.Styles
	Keys    keys.Global
	Service Service
	// Ctx is the app's context: commands derive theirs from it, so quitting
	// cancels whatever is running.
	Ctx context.Context
	// Events delivers core pipeline events to the program (through the
	// relay in ui.Run); screens pass it to Service.Sync.
	Events pipeline.Sink
	// Now is the clock (fixed in golden tests).
	Now func() time.Time
}

// Screen is what every screen implements.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	// SetSize is the area the screen may draw in (the root keeps a title
	// line and a status/help line for itself).
	SetSize(width, height int)
	Title() string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// InputFocused reports that a text input has focus: printable keys
	// (q, ?, digits) then belong to the screen, not the root.
	InputFocused() bool
}

// Leaver is a screen that stops its work (a preview still being read)
// when the root shows another screen instead.
type Leaver interface{ Leave() }

// NavigateMsg asks the root to show another screen. Arg carries a
// parameter (a run id for History).
type NavigateMsg struct {
	To  ScreenID
	Arg string
}

// Navigate returns a command that asks for a screen.
func Navigate(to ScreenID, arg string) tea.Cmd {
	return func() tea.Msg { return NavigateMsg{To: to, Arg: arg} }
}

// StatusMsg shows a short message in the status bar.
type StatusMsg struct {
	Text string
	Err  bool
}

// ConfigChangedMsg tells the root the integration was saved or deleted.
type ConfigChangedMsg struct{ Deleted bool }

// EventMsg is a core pipeline event delivered by the relay.
type EventMsg struct{ Event pipeline.Event }

// BusyMsg tells the root whether a sync is running (quitting then asks
// first, and the running screen is told to cancel).
type BusyMsg struct{ Busy bool }

// CancelRequestMsg is sent by the root to the screen running a sync when
// the user presses ctrl+c (or quits) during it: the screen asks, then
// cancels cleanly.
type CancelRequestMsg struct{}

// Service is everything the UI asks of core. Every method may block and
// must be called from a tea.Cmd, never from Update.
type Service interface {
	// Configured reports whether enough is configured to talk to both
	// services (the wizard opens first otherwise).
	Configured() bool
	// Config is the current configuration with secrets blanked.
	Config() config.Config
	// HasSecret reports whether a secret is stored (config.Secret* names).
	HasSecret(name string) bool
	// SecretRejected reports that the last check, or the last test of the
	// wizard's values, had Wiz or Semgrep refuse the stored secret
	// (config.Secret* names).
	SecretRejected(name string) bool
	// SecretsWhere says where SaveConfig puts the secrets, in words: "in
	// the OS keyring (service …)" or "in <path> (file, mode 0600)". It may
	// probe the keyring.
	SecretsWhere(ctx context.Context) string
	// SaveConfig validates and saves; an empty secret keeps the stored one.
	SaveConfig(ctx context.Context, c config.Config, wizSecret, semgrepToken string) error
	// TestCredentials tries the Wiz credentials (a token, its data center,
	// the read permissions) and the Semgrep token and deployment with the
	// values given (the wizard's, not the saved ones; an empty secret means
	// the stored one). Nothing is saved. The error is for a test that could
	// not run at all (settings that do not validate).
	TestCredentials(ctx context.Context, c config.Config, wizSecret, semgrepToken string) ([]pipeline.CheckResult, error)
	// DeletePlan says what DeleteConfig would remove and keep with these
	// choices (the config file, both stored secrets and the empty config
	// folder always; the upload files and the history when chosen).
	DeletePlan(ctx context.Context, c config.DeleteChoice) ([]config.DeleteItem, error)
	// DeleteConfig deletes the integration and says what it removed and
	// what it kept.
	DeleteConfig(ctx context.Context, c config.DeleteChoice) ([]config.DeleteItem, error)
	// Deployments lists what a Semgrep token can see (token "" means the
	// stored one).
	Deployments(ctx context.Context, apiURL, token string) ([]semgrep.Deployment, error)
	Check(ctx context.Context, includeUpload bool) ([]pipeline.CheckResult, error)
	// Preview collects and plans without sending (all: every status and
	// severity, so exclusions show with reasons).
	Preview(ctx context.Context, all bool) (*Preview, error)
	// PreviewStream is Preview as it is planned: every repository, then
	// each one's rows page by page and its plan, go to sink (called from
	// the service's goroutine; it copies what it keeps). The answer has
	// the final Plan (the one a sync confirms) and the repositories with
	// their counts, not their findings. Cancelling ctx stops the reading.
	PreviewStream(ctx context.Context, all bool, sink pipeline.PreviewSink) (*Preview, error)
	// PreviewFinding reads again the one finding a preview row shows (the
	// row store keeps no links, snippet or commit): the finding Wiz knows
	// by wizID in this repository.
	PreviewFinding(ctx context.Context, repo, wizID string) (*finding.Finding, error)
	// Sync runs one sync; events go to the sink.
	Sync(ctx context.Context, o SyncOptions, events pipeline.Sink) (*pipeline.Result, error)
	Runs(ctx context.Context, n int) ([]ledger.Run, error)
	Run(ctx context.Context, id string) (RunDetail, error)
	Home(ctx context.Context) (HomeInfo, error)
	// SyncElsewhere is a sync another process (watch, another sync) runs
	// on this state directory, or nil.
	SyncElsewhere(ctx context.Context) (*ledger.Elsewhere, error)
	// Status is, per data source, when Wiz last accepted it and when Wiz
	// drops it (the same report as `semgrep-wiz status`).
	Status(ctx context.Context) (status.Report, error)
}

// The values the Service deals in are core/app's: the terminal app and
// the headless commands share them.
type (
	// Preview is a collection and its plan.
	Preview = app.Preview
	// SyncOptions are the choices the sync screen makes.
	SyncOptions = app.SyncOptions
	// RunDetail is one past run.
	RunDetail = app.RunDetail
	// HomeInfo is the integration's state for the home screen.
	HomeInfo = app.HomeInfo
)

// ErrPlanChanged is the sync's answer when the data changed since the
// plan was confirmed in a way that needs confirming again.
var ErrPlanChanged = app.ErrPlanChanged

// ErrFindingGone: PreviewFinding found the finding no longer reported.
var ErrFindingGone = app.ErrFindingGone
