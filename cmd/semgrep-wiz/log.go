package main

import (
	"io"
	"log/slog"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

// newLogger is the stderr log of unattended commands: "text" (key=value)
// or "json" (one object per line, for journald and container log
// collectors). An empty format picks JSON when stderr is not a terminal.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	if format == "" {
		format = "text"
		if !isTerminal(w) {
			format = "json"
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usagef("--log-format %q: use text or json", format)
}

// slogSink logs pipeline events, one per line, with the run id and the
// repository; byte and step progress are left out (too chatty).
func slogSink(l *slog.Logger) pipeline.Sink {
	return func(ev pipeline.Event) {
		if ev.Kind == pipeline.BytesSent || ev.Kind == pipeline.StepProgress || ev.Kind == "watch" {
			return
		}
		attrs := []any{"run_id", ev.RunID, "event", string(ev.Kind)}
		if ev.Step != "" {
			attrs = append(attrs, "step", string(ev.Step))
		}
		if ev.Repo != "" {
			attrs = append(attrs, "repository", ev.Repo)
		}
		if ev.Total != 0 {
			attrs = append(attrs, "done", ev.Done, "total", ev.Total)
		}
		if a := ev.Activity; a != nil {
			attrs = append(attrs, "activity", a.ID, "activity_status", a.Status)
		}
		msg := ev.Message
		if msg == "" {
			msg = string(ev.Kind)
		}
		switch ev.Kind {
		case pipeline.StepFailed, pipeline.RepoFailed:
			l.Error(msg, attrs...)
		case pipeline.Warning:
			l.Warn(msg, attrs...)
		default:
			l.Info(msg, attrs...)
		}
	}
}

// logResult logs a finished run: one line per repository with its
// outcome, then the run's own.
func logResult(l *slog.Logger, res *pipeline.Result, err error) {
	if res == nil {
		l.Error("sync could not start", "outcome", "failure", "error", errText(err))
		return
	}
	for _, r := range res.Repositories {
		attrs := []any{"run_id", res.RunID, "repository", r.Name, "data_source", r.DataSourceID, "outcome", r.State,
			"sent", r.Sent, "new", r.New, "resolved", r.Resolved}
		if r.Reason != "" {
			attrs = append(attrs, "reason", r.Reason)
		}
		l.Info("repository", attrs...)
	}
	attrs := []any{"run_id", res.RunID, "outcome", string(res.Status), "findings_sent", res.Findings.Sent,
		"repositories", len(res.Repositories), "duration_seconds", res.FinishedAt.Sub(res.StartedAt).Seconds()}
	for _, u := range res.Uploads {
		attrs = append(attrs, "upload_status", u.Status, "system_activity_id", u.SystemActivityID)
	}
	switch res.Status {
	case pipeline.StatusFailure:
		l.Error("sync finished", append(attrs, "error", res.Error)...)
	case pipeline.StatusPartial, pipeline.StatusSkipped, pipeline.StatusCancelled:
		l.Warn("sync finished", append(attrs, "error", res.Error)...)
	default:
		l.Info("sync finished", attrs...)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
