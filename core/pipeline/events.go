// Package pipeline is the pipeline collect → select → encode → upload. It is
// shared by the headless commands and the terminal app: every step emits
// typed events, which headless mode prints and the TUI draws.
package pipeline

import (
	"strings"
	"time"
)

// Step names one stage of the pipeline.
type Step string

const (
	StepCollect Step = "collect"
	StepSelect  Step = "select"
	StepEncode  Step = "encode"
	StepUpload  Step = "upload"
	StepPoll    Step = "poll"
)

// Kind is the kind of an event.
type Kind string

const (
	StepStarted    Kind = "step_started"
	StepProgress   Kind = "step_progress"
	StepFinished   Kind = "step_finished"
	StepFailed     Kind = "step_failed"
	RepoFailed     Kind = "repo_failed"
	BytesSent      Kind = "bytes_sent"
	ActivityStatus Kind = "activity_status"
	Warning        Kind = "warning"
)

// Event is one thing that happened during a run. Fields that do not apply
// to a kind are zero.
type Event struct {
	Time time.Time `json:"time"`
	// RunID is the run the event belongs to (set by Run, so logs of an
	// unattended watch can tell runs apart).
	RunID   string `json:"run_id,omitempty"`
	Kind    Kind   `json:"kind"`
	Step    Step   `json:"step,omitempty"`
	Repo    string `json:"repo,omitempty"`
	Message string `json:"message,omitempty"`
	// Done and Total count repositories, findings or bytes, by step.
	Done  int64 `json:"done,omitempty"`
	Total int64 `json:"total,omitempty"`
	// Activity is set on ActivityStatus events.
	Activity *ActivityInfo `json:"activity,omitempty"`
}

// ActivityInfo is a Wiz system activity as last seen.
type ActivityInfo struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	StatusInfo string `json:"status_info,omitempty"`
	// NotFound is true while Wiz has not registered the activity yet.
	NotFound bool `json:"not_found,omitempty"`
}

// Sink receives events. It is called from the pipeline's goroutines and
// must not block for long.
type Sink func(Event)

func (s Sink) emit(e Event) {
	if s == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s(e)
}

// StepTitle names a step in words, as progress and the history show it.
var StepTitle = map[Step]string{
	StepCollect: "Reading findings",
	StepSelect:  "Applying the policy",
	StepEncode:  "Writing the upload file",
	StepUpload:  "Uploading to Wiz",
	StepPoll:    "Waiting for Wiz to process the upload",
}

// EventWords says a recorded event's kind and step in words ("Reading
// findings started"), for the history; the event names stay in the JSON.
func EventWords(kind, step string) string {
	title := StepTitle[Step(step)]
	if title == "" {
		title = "Step " + step
	}
	switch Kind(kind) {
	case StepStarted:
		return title + " started"
	case StepFinished:
		return title + " finished"
	case StepFailed:
		return title + " failed"
	case StepProgress:
		return title
	case RepoFailed:
		return "Repository failed"
	case Warning:
		return "Warning"
	case ActivityStatus:
		return "Wiz activity status"
	case BytesSent:
		return "Uploading to Wiz"
	}
	return strings.ReplaceAll(kind, "_", " ")
}
