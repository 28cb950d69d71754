package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// progress prints pipeline events for a person reading stderr: one line
// per step, failures and warnings as they happen, and byte and repository
// progress thinned out so a large run does not flood the terminal.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	start    time.Time
	lastTick time.Time
	lastAct  string
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) sink() pipeline.Sink { return p.handle }

var stepTitle = pipeline.StepTitle

func (p *progress) handle(ev pipeline.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	el := textfmt.Duration(time.Since(p.start)) // the TUI's style: 4.2s, 17s, 3m05s
	switch ev.Kind {
	case pipeline.StepStarted:
		fmt.Fprintf(p.w, "[%6s] %s…\n", el, stepTitle[ev.Step])
	case pipeline.StepFinished:
		msg := ev.Message
		switch ev.Step {
		case pipeline.StepCollect:
			msg = plural(int(ev.Total), "repository", "repositories")
		case pipeline.StepEncode:
			msg = fmt.Sprintf("%s (%s)", strings.ReplaceAll(ev.Message, "\n", ", "), humanBytes(ev.Total))
		case pipeline.StepUpload:
			msg = fmt.Sprintf("%s sent", humanBytes(ev.Total))
		case pipeline.StepPoll:
			msg = "activity status " + ev.Message
		}
		fmt.Fprintf(p.w, "[%6s] ✓ %s: %s\n", el, stepTitle[ev.Step], msg)
	case pipeline.StepFailed:
		fmt.Fprintf(p.w, "[%6s] ✗ %s failed: %s\n", el, stepTitle[ev.Step], ev.Message)
	case pipeline.RepoFailed:
		fmt.Fprintf(p.w, "[%6s] ✗ %s: %s (left out of this upload; its findings in Wiz stay as they are)\n", el, ev.Repo, ev.Message)
	case pipeline.Warning:
		fmt.Fprintf(p.w, "[%6s] ! %s\n", el, ev.Message)
	case pipeline.StepProgress, pipeline.BytesSent:
		final := ev.Total > 0 && ev.Done == ev.Total
		if !final && time.Since(p.lastTick) < time.Second {
			return
		}
		p.lastTick = time.Now()
		if ev.Kind == pipeline.BytesSent {
			fmt.Fprintf(p.w, "[%6s]   %s of %s\n", el, humanBytes(ev.Done), humanBytes(ev.Total))
		} else if ev.Message != "" {
			fmt.Fprintf(p.w, "[%6s]   %s\n", el, ev.Message)
		} else {
			fmt.Fprintf(p.w, "[%6s]   %s of %s\n", el, textfmt.Commas(ev.Done), plural(int(ev.Total), "repository", "repositories"))
		}
	case pipeline.ActivityStatus:
		a := ev.Activity
		st := a.Status
		if a.NotFound {
			st = "not registered yet"
		}
		if st == p.lastAct {
			return
		}
		p.lastAct = st
		fmt.Fprintf(p.w, "[%6s]   activity %s: %s\n", el, a.ID, st)
	}
}
