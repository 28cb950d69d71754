package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

type historyOpts struct {
	json bool
	n    int
}

func historyList(ctx context.Context, c *common, o historyOpts, e env) error {
	asJSON, n := o.json, o.n
	a, err := loadApp(c, e, app.Needs{})
	if err != nil {
		return err
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	runs, err := led.Runs(ctx, n)
	if err != nil {
		return jobFailed{err.Error()}
	}
	if asJSON {
		out := make([]runJSON, 0, len(runs))
		for _, r := range runs {
			out = append(out, toRunJSON(r))
		}
		return writeJSON(e.stdout, struct {
			Runs []runJSON `json:"runs"`
		}{out})
	}
	if len(runs) == 0 {
		fmt.Fprintln(e.stdout, "No runs yet. 'semgrep-wiz sync' records one.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED (UTC)\tTOOK\tBY\tSTATUS\tSENT\tNEW\tFIXED\tREPOS\tNOTE")
	for _, r := range runs {
		note := r.Error
		if r.DryRun && note == "" {
			note = "dry run"
		}
		// A run that delivered nothing sent nothing: its planned counts
		// are in 'history show'.
		sent := "—"
		if textfmt.Sent(r.Status, r.DryRun, r.Delivered) {
			sent = textfmt.Commas(r.Sent)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.StartedAt.UTC().Format("2006-01-02 15:04:05"), took(r),
			r.Trigger, r.Status, sent, textfmt.Commas(r.New), textfmt.Commas(r.Resolved), textfmt.Commas(r.Repositories), truncate(oneLine(note), 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// What the runs left in Wiz, and when Wiz drops it (as `status` says).
	if rep, err := a.Status(ctx, led); err == nil && len(rep.DataSources) > 0 {
		fmt.Fprintln(e.stdout)
		for _, d := range rep.Attention() {
			fmt.Fprintln(e.stdout, d.Sentence(rep.Now))
		}
		fmt.Fprintln(e.stdout, "In Wiz: "+rep.Summary()+". 'semgrep-wiz status' has the details.")
	}
	return nil
}

func historyShow(ctx context.Context, c *common, id string, asJSON bool, e env) error {
	led, err := openLedgerOnly(ctx, c, e)
	if err != nil {
		return err
	}
	defer led.Close()
	run, err := led.GetRun(ctx, id)
	if err != nil {
		return runLookupError(id, err)
	}
	evs, err := led.Events(ctx, run.ID)
	if err != nil {
		return jobFailed{err.Error()}
	}
	ups, err := led.Uploads(ctx, run.ID)
	if err != nil {
		return jobFailed{err.Error()}
	}
	if asJSON {
		// The JSON keeps the events as recorded (their paths included).
		out := struct {
			runJSON
			Events  []ledger.Event  `json:"events"`
			Uploads []ledger.Upload `json:"uploads"`
		}{toRunJSON(run), evs, ups}
		if out.Events == nil {
			out.Events = []ledger.Event{}
		}
		if out.Uploads == nil {
			out.Uploads = []ledger.Upload{}
		}
		return writeJSON(e.stdout, out)
	}
	w := e.stdout
	fmt.Fprintf(w, "Run %s: %s\n", run.ID, strings.ToUpper(run.Status))
	fmt.Fprintf(w, "  started:   %s UTC (%s, by %s", run.StartedAt.UTC().Format("2006-01-02 15:04:05"), took(run), run.Trigger)
	if run.User != "" {
		fmt.Fprintf(w, ", %s@%s", run.User, run.Host)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "  source:    %s", run.Source)
	if run.DryRun {
		fmt.Fprint(w, " (dry run)")
	}
	fmt.Fprintln(w)
	sentWord, fixedWord := textfmt.CountWords(run.Status, run.DryRun, run.Delivered)
	fmt.Fprintf(w, "  findings:  %s %s (%s new, %s unchanged), %s %s, %s excluded by the policy; %s\n",
		textfmt.Commas(run.Sent), sentWord, textfmt.Commas(run.New), textfmt.Commas(run.Unchanged), textfmt.Commas(run.Resolved), fixedWord,
		textfmt.Commas(run.Excluded), plural(run.Repositories, "repository", "repositories"))
	if run.Error != "" {
		fmt.Fprintf(w, "  error:     %s\n", oneLine(run.Error))
	}
	for i, u := range ups {
		label := "upload:   "
		if len(ups) > 1 { // a sync split at data sources under wiz.max_upload_mb
			label = fmt.Sprintf("upload %d/%d:", i+1, len(ups))
		}
		fmt.Fprintf(w, "  %-11s id %s, activity %s: %s", label, dash(u.UploadID), dash(u.SystemActivityID), dash(u.Status))
		if u.FindingsIncoming > 0 {
			fmt.Fprintf(w, " (%d of %d findings handled)", u.FindingsHandled, u.FindingsIncoming)
		}
		fmt.Fprintf(w, "; %s, sha256 %s\n", humanBytes(u.Bytes), truncate(u.SHA256, 12))
		if len(u.DataSources) > 0 {
			fmt.Fprintf(w, "  sources:   %s\n", listSome(u.DataSources, 5))
		}
		if u.StatusInfo != "" {
			fmt.Fprintf(w, "  wiz says:  %s\n", oneLine(u.StatusInfo))
		}
		if u.Status == "PENDING" {
			fmt.Fprintf(w, "  pending:   Wiz had not finished; run 'semgrep-wiz history refresh %s'\n", run.ID)
		}
	}
	if len(evs) > 0 {
		fmt.Fprintln(w, "  steps:")
	}
	pipeline.ForgetGoneFiles(evs)
	for _, ev := range evs {
		line := pipeline.EventWords(ev.Kind, ev.Step)
		if t := oneLine(pipeline.EventDetail(ev)); t != "" {
			line += ": " + t
		}
		fmt.Fprintf(w, "    %s  %s\n", ev.Time.UTC().Format("15:04:05"), line)
	}
	return nil
}

// listSome lists up to n items, then says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func historyRefresh(ctx context.Context, c *common, id string, e env) error {
	a, err := loadApp(c, e, app.Needs{Wiz: true})
	if err != nil {
		return err
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	out, err := pipeline.Refresh(ctx, led, a.Wiz, id)
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrAmbiguous) {
			return runLookupError(id, err)
		}
		return jobFailed{err.Error()}
	}
	for _, r := range out {
		fmt.Fprintf(e.stdout, "upload %s (activity %s): %s → %s", dash(r.UploadID), dash(r.SystemActivityID), dash(r.Before), dash(r.After))
		if r.Recorded {
			fmt.Fprint(e.stdout, "; what Wiz holds is recorded")
		}
		if r.Note != "" {
			fmt.Fprintf(e.stdout, " (%s)", r.Note)
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// openLedgerOnly opens the ledger for reading history: it needs no
// credentials, only the state directory.
func openLedgerOnly(ctx context.Context, c *common, e env) (*ledger.Ledger, error) {
	a, err := loadApp(c, e, app.Needs{})
	if err != nil {
		return nil, err
	}
	return a.OpenLedger(ctx)
}

func runLookupError(id string, err error) error {
	if errors.Is(err, ledger.ErrNotFound) {
		return usagef("no run %q in the history (see 'semgrep-wiz history')", id)
	}
	return usagef("%v", err)
}

type runJSON struct {
	ID           string          `json:"run_id"`
	Status       string          `json:"status"`
	StartedAt    time.Time       `json:"started_at"`
	FinishedAt   time.Time       `json:"finished_at,omitzero"`
	Trigger      string          `json:"trigger"`
	Source       string          `json:"source"`
	DryRun       bool            `json:"dry_run"`
	Findings     pipeline.Counts `json:"findings"`
	Repositories int             `json:"repositories"`
	Error        string          `json:"error,omitempty"`
}

func toRunJSON(r ledger.Run) runJSON {
	n, u, res := r.New, r.Unchanged, r.Resolved
	return runJSON{ID: r.ID, Status: r.Status, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Trigger: r.Trigger, Source: r.Source,
		DryRun: r.DryRun, Findings: pipeline.Counts{Sent: r.Sent, New: &n, Unchanged: &u, Resolved: &res, Excluded: r.Excluded},
		Repositories: r.Repositories, Error: r.Error}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func took(r ledger.Run) string {
	if r.FinishedAt.IsZero() {
		return "-"
	}
	return textfmt.Duration(r.FinishedAt.Sub(r.StartedAt)) // as the TUI's history shows it
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
