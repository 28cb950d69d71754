package app

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

// openEventLog appends pipeline events as JSON lines to the log file in
// the state directory (0600). Events carry counts, names and error
// messages, never credentials. A log that cannot be opened is not worth
// failing a sync for: events are then only printed.
func openEventLog(path string) (func(pipeline.Event), func()) {
	nop := func(pipeline.Event) {}
	if path == "" {
		return nop, func() {}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nop, func() {}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nop, func() {}
	}
	l := slog.New(slog.NewJSONHandler(f, nil))
	return func(ev pipeline.Event) {
			attrs := []any{"kind", ev.Kind}
			if ev.Step != "" {
				attrs = append(attrs, "step", ev.Step)
			}
			if ev.Repo != "" {
				attrs = append(attrs, "repo", ev.Repo)
			}
			if ev.Message != "" {
				attrs = append(attrs, "message", ev.Message)
			}
			if ev.Total != 0 {
				attrs = append(attrs, "done", ev.Done, "total", ev.Total)
			}
			if a := ev.Activity; a != nil {
				attrs = append(attrs, "activity", a.ID, "status", a.Status, "not_found", a.NotFound)
			}
			switch ev.Kind {
			case pipeline.BytesSent, pipeline.StepProgress:
				// Too chatty for the log; the step events bracket them.
			case pipeline.StepFailed, pipeline.RepoFailed:
				l.Error("sync event", attrs...)
			case pipeline.Warning:
				l.Warn("sync event", attrs...)
			default:
				l.Info("sync event", attrs...)
			}
		}, func() {
			_ = f.Close()
		}
}
