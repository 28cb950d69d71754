package app

import (
	"errors"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

// Preview is a collection and its plan.
type Preview struct {
	Collection *pipeline.Collection
	Plan       *pipeline.Plan
	Policy     string
}

// SyncOptions are the choices made before a sync from the terminal app.
type SyncOptions struct {
	// AllowMassResolve is set when the user confirmed a plan in which the
	// mass-resolve guard held sources back.
	AllowMassResolve bool
	DryRun           bool
	// Confirmed is the plan the user saw and confirmed. The sync reads
	// everything again; when that read trips a mass-resolve guard the
	// confirmed plan did not show, it sends nothing and fails with
	// ErrPlanChanged, so the screen can ask again.
	Confirmed *pipeline.Plan
}

// ErrPlanChanged is the sync's answer when the data changed since the
// plan was confirmed in a way that needs confirming again.
var ErrPlanChanged = errors.New("the data changed since the plan was confirmed")

// RunDetail is one past run.
type RunDetail struct {
	Run     ledger.Run
	Events  []ledger.Event
	Uploads []ledger.Upload
}

// HomeInfo is the integration's state at a glance: what the home screen
// shows.
type HomeInfo struct {
	Configured  bool
	WizEndpoint string
	Deployment  string
	Source      string // "Semgrep API" or the files given with --from
	Policy      string
	LastRun     *ledger.Run
	DataSources int
	HeldTotal   int // findings Wiz holds from us
	Pending     int // uploads whose activity had not finished
	// Elsewhere is a sync another process is running now, or nil.
	Elsewhere *ledger.Elsewhere
}

// NotSetUpError is what the Service returns when required settings are
// set nowhere, rather than an error naming environment variables: a
// person at the terminal app enters them in its wizard.
type NotSetUpError struct {
	Settings []string // the settings that are missing, e.g. wiz.client_id
	Err      error    // the configuration error, for errors.As
	// Hint, when set, ends the message: what to do about it where the
	// error is shown (the terminal app names its set-up key).
	Hint string
}

func (e *NotSetUpError) Error() string {
	s := "Not set up yet"
	if len(e.Settings) > 0 {
		s += " (" + strings.Join(e.Settings, ", ") + " not set)"
	}
	s += "."
	if e.Hint != "" {
		s += " " + e.Hint
	}
	return s
}

func (e *NotSetUpError) Unwrap() error { return e.Err }
