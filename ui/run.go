// Package ui runs the terminal app: it decides the colour profile, wires
// the screens into the root model, relays core events into the program and
// shuts down cleanly.
package ui

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/app"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/keys"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// Options configure a run of the app.
type Options struct {
	// NoColor forces the ASCII profile (NO_COLOR set to anything, or --no-color).
	NoColor bool
	// Start is the first screen; empty means Setup when nothing is
	// configured, else Home.
	Start common.ScreenID
	// Input and Output replace the terminal (tests).
	Input  io.Reader
	Output io.Writer
	// Extra program options (tests: window size).
	ProgramOptions []tea.ProgramOption
}

// New builds the root model and its Common for a service; the relay is
// returned so Run can attach it to the program.
func New(ctx context.Context, svc common.Service, start common.ScreenID) (*app.Model, *Relay) {
	r := &Relay{}
	c := &common.Common{Styles: theme.Default(), Keys: keys.DefaultGlobal(), Service: svc, Ctx: ctx, Events: r.Push, Now: time.Now}
	if start == "" {
		start = common.Home
		if !svc.Configured() {
			start = common.Setup
		}
	}
	return app.New(c, Screens, start, ""), r
}

// Run shows the app until the user quits. Quitting cancels the context of
// everything still running.
func Run(ctx context.Context, svc common.Service, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m, relay := New(ctx, svc, o.Start)
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if o.NoColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if o.Input != nil {
		opts = append(opts, tea.WithInput(o.Input))
	}
	if o.Output != nil {
		opts = append(opts, tea.WithOutput(o.Output))
	}
	opts = append(opts, o.ProgramOptions...)
	p := tea.NewProgram(m, opts...)
	relay.Attach(p)
	defer relay.Stop()
	_, err := p.Run()
	if endedBySignal(ctx, err) {
		return nil
	}
	return err
}

// endedBySignal reports an end the user asked for: SIGINT or SIGTERM
// (the caller cancels ctx on both; Bubble Tea, catching them itself,
// reports ErrInterrupted). Bubble Tea wraps these in ErrProgramKilled, so
// they are matched with errors.Is. A panic is never a clean end.
func endedBySignal(ctx context.Context, err error) bool {
	if err == nil || errors.Is(err, tea.ErrProgramPanic) {
		return false
	}
	return errors.Is(err, tea.ErrInterrupted) || (errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil)
}

// Relay carries core events into the program: progress (bytes sent,
// repository progress, activity polls) is coalesced to the latest value at
// most every 80 ms; everything else is delivered, in order. One goroutine
// delivers, so a slow program slows the pipeline down instead of piling up
// goroutines.
type Relay struct {
	mu      sync.Mutex
	queue   chan tea.Msg
	pending map[pipeline.Kind]pipeline.Event
	timer   *time.Timer
	stopped bool
}

// Attach starts delivering to a program.
func (r *Relay) Attach(p *tea.Program) { r.AttachFunc(p.Send) }

// AttachFunc starts delivering to a function (tests).
func (r *Relay) AttachFunc(send func(tea.Msg)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queue = make(chan tea.Msg, 256)
	q := r.queue
	go func() {
		for m := range q {
			send(m)
		}
	}()
}

// Stop drops whatever is pending and ends delivery.
func (r *Relay) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	r.stopped = true
	if r.timer != nil {
		r.timer.Stop()
	}
	if r.queue != nil {
		close(r.queue)
	}
}

const coalesce = 80 * time.Millisecond

// Push is a pipeline.Sink.
func (r *Relay) Push(e pipeline.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.queue == nil {
		return
	}
	switch e.Kind {
	case pipeline.BytesSent, pipeline.StepProgress, pipeline.ActivityStatus:
		if r.pending == nil {
			r.pending = map[pipeline.Kind]pipeline.Event{}
		}
		r.pending[e.Kind] = e
		if r.timer == nil {
			r.timer = time.AfterFunc(coalesce, r.flush)
		}
		return
	}
	// Progress waiting to go out goes first, so the screen never sees a
	// step finish and then an older progress value.
	r.flushLocked()
	r.queue <- common.EventMsg{Event: e}
}

func (r *Relay) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushLocked()
}

func (r *Relay) flushLocked() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	if r.stopped || len(r.pending) == 0 {
		return
	}
	for _, k := range []pipeline.Kind{pipeline.StepProgress, pipeline.ActivityStatus, pipeline.BytesSent} {
		if e, ok := r.pending[k]; ok {
			r.queue <- common.EventMsg{Event: e}
		}
	}
	clear(r.pending)
}
