package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

type syncOpts struct {
	yes, dryRun, json, allowMass bool
	out                          string
	timeout                      time.Duration
	// logFormat, when set (text or json), replaces the human progress on
	// stderr with one log line per event (for CI and schedulers).
	logFormat string
}

func cmdSync(ctx context.Context, c *common, so syncOpts, e env) error {
	yes, dryRun, asJSON, allowMass, out, timeout := so.yes, so.dryRun, so.json, so.allowMass, so.out, so.timeout
	if timeout < 0 {
		return usagef("sync: --timeout %s is negative; use 0 for no limit", timeout)
	}
	var log *slog.Logger
	if so.logFormat != "" {
		var err error
		if log, err = newLogger(e.stderr, so.logFormat); err != nil {
			return usagef("sync: %v", err)
		}
	}
	interactive := e.isInteractive()
	if !yes && !dryRun && !interactive {
		return usagef("sync uploads to Wiz and needs confirmation: add --yes (or --dry-run to only write the file)")
	}
	a, err := loadApp(c, e, app.Needs{Wiz: !dryRun, Semgrep: true})
	if err != nil {
		return err
	}
	defer streamingGC(e, workSync, a.Config.Semgrep.Concurrency)()
	if dryRun && out == "" {
		out = a.WorkDir()
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	var events pipeline.Sink
	var closeLog func()
	if log != nil {
		fileLog, closeFile := a.EventLog()
		toStderr := slogSink(log)
		events, closeLog = func(ev pipeline.Event) { toStderr(ev); fileLog(ev) }, closeFile
	} else {
		events, closeLog = commandEvents(a, e)
	}
	defer closeLog()
	o := pipeline.Options{
		Collect:          a.CollectOptions(events),
		Schema:           a.SchemaOptions(),
		Wiz:              a.Wiz,
		Ledger:           led,
		Guards:           a.Guards(),
		AllowMassResolve: allowMass,
		Trigger:          e.trigger(),
		Timeout:          timeout,
		DryRun:           dryRun,
		OutDir:           out,
		WorkDir:          a.WorkDir(),
		MaxUploadBytes:   a.MaxUploadBytes(),
		Events:           events,
	}
	if e.uploadCap > 0 {
		o.MaxUploadBytes = e.uploadCap
	}
	if !yes && !dryRun {
		o.Confirm = func(p *pipeline.Plan) bool { return confirm(e, p) }
	}
	res, runErr := pipeline.Run(ctx, o)
	if log != nil {
		logResult(log, res, runErr)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printResult(e.stdout, res, !a.FromFiles())
	}
	if ce := app.AsConfigError(runErr); ce != nil {
		return ce
	}
	switch res.Status {
	case pipeline.StatusSuccess, pipeline.StatusDryRun, pipeline.StatusNothingToDo:
		return nil
	case pipeline.StatusCancelled:
		return jobFailed{"sync cancelled; nothing more was sent"}
	}
	if runErr != nil && (asJSON || errors.Is(runErr, pipeline.ErrTimedOut)) {
		return jobFailed{runErr.Error()}
	}
	return jobFailed{"sync finished with status " + string(res.Status)}
}

func confirm(e env, p *pipeline.Plan) bool {
	w := e.stderr
	fmt.Fprintf(w, "\nSend %s for %s to Wiz: %s new, %s unchanged. %s will be marked fixed in Wiz.\n",
		plural(p.Findings, "finding", "findings"), plural(p.Repositories, "repository", "repositories"), textfmt.Commas(p.New), textfmt.Commas(p.Unchanged),
		plural(p.Resolved, "finding", "findings"))
	fmt.Fprintln(w, "Each repository's data source in Wiz is replaced by what is sent.")
	for _, t := range p.Trips {
		fmt.Fprintf(w, "! %s\n", t.Message)
	}
	if p.MassResolveHeld {
		fmt.Fprintln(w, "The mass-resolve guard holds back the sources above; answering yes sends them anyway.")
	}
	fmt.Fprint(w, "Continue? [y/N] ")
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// printResult prints a run's summary. apiFiltered is true when the Semgrep
// API was asked only for the policy's severities and statuses.
func printResult(w io.Writer, r *pipeline.Result, apiFiltered bool) {
	fmt.Fprintf(w, "\nRun %s: %s\n", r.RunID, strings.ToUpper(string(r.Status)))
	states := map[string]int{}
	for _, repo := range r.Repositories {
		states[repo.State]++
	}
	// The counts are what the upload document holds; they were sent only
	// when Wiz took the upload.
	sentWord, fixedWord := textfmt.CountWords(string(r.Status), r.Status == pipeline.StatusDryRun, r.Delivered())
	fmt.Fprintf(w, "  findings:     %s %s", textfmt.Commas(r.Findings.Sent), sentWord)
	if r.Findings.New != nil {
		fmt.Fprintf(w, " (%s new, %s unchanged), %s %s", textfmt.Commas(*r.Findings.New), textfmt.Commas(*r.Findings.Unchanged),
			textfmt.Commas(*r.Findings.Resolved), fixedWord)
	}
	fmt.Fprintf(w, "; %s\n", excludedText(r.Findings.Excluded, apiFiltered))
	fmt.Fprintf(w, "  repositories: %s %s", textfmt.Commas(states["sent"]), sentWord)
	for _, k := range []string{"sent_empty", "upload_failed", "not_in_scope", "failed", "skipped_budget", "held_by_guard"} {
		if states[k] > 0 {
			word := strings.ReplaceAll(k, "_", " ")
			if k == "sent_empty" {
				word = "empty, " + sentWord
			}
			fmt.Fprintf(w, ", %s %s", textfmt.Commas(states[k]), word)
		}
	}
	fmt.Fprintln(w)
	for _, repo := range r.Repositories {
		switch repo.State {
		case "failed", "skipped_budget", "held_by_guard", "sent_empty", "upload_failed":
			fmt.Fprintf(w, "    %s %s: %s\n", mark(repo.State), repo.Name, oneLine(repo.Reason))
		}
	}
	for _, u := range r.Uploads {
		if u.Status == "NOT_SENT" && u.UploadID == "" && r.Status == pipeline.StatusDryRun {
			fmt.Fprintf(w, "  upload file:  %s (%s, not sent: dry run)\n", u.File, humanBytes(u.Bytes))
			continue
		}
		fmt.Fprintf(w, "  upload:       id %s, activity %s: %s", dash(u.UploadID), dash(u.SystemActivityID), dash(u.Status))
		if u.FindingsIncoming > 0 || u.FindingsHandled > 0 {
			fmt.Fprintf(w, " (%d of %d findings handled)", u.FindingsHandled, u.FindingsIncoming)
		}
		fmt.Fprintln(w)
		if u.StatusInfo != "" {
			fmt.Fprintf(w, "  wiz says:     %s\n", oneLine(u.StatusInfo))
		}
	}
	for _, g := range r.Guards {
		if g.Guard == "partial_data" || g.Guard == "scan_failed" {
			continue // listed with the failed repositories
		}
		fmt.Fprintf(w, "  ! %s", g.Message)
		if g.Override != "" {
			fmt.Fprintf(w, " — %s", g.Override)
		}
		fmt.Fprintln(w)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  ! %s\n", warn)
	}
	switch r.Status {
	case pipeline.StatusSuccess, pipeline.StatusPartial:
		fmt.Fprintln(w, "  Wiz ingests uploads in batches; findings appear in the Security Graph within about 24 hours.")
	case pipeline.StatusNothingToDo:
		fmt.Fprintln(w, "  Nothing to send. 'semgrep-wiz preview --all' shows why.")
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error:        %s\n", oneLine(r.Error))
	}
	fmt.Fprintf(w, "  details:      semgrep-wiz history show %s\n", r.RunID)
}

func mark(state string) string {
	switch state {
	case "failed":
		return "✗"
	case "sent_empty":
		return "∅"
	}
	return "!"
}

// streamingGC sizes the garbage collector to a headless pipeline's work
// (core/PERFORMANCE.md has the measurements). Since the pipeline is page by
// page, its live memory is the pages in flight, the ids of the repositories
// in flight and the program itself, whatever the size of the organisation or
// of its largest repository. The soft memory limit is that: a base (the
// program, its buffers and the ids of the large repositories read at once;
// a sync's also its encoders and the ids its ledger records) plus every
// page that can be alive at once: per repository read at once, the page
// being planned and one fetched ahead or in flight (the Semgrep client
// bounds its read-ahead over all walks), each a full page of decoded
// findings (pages are decoded as they arrive, so no response body is held
// whole): 119 MiB for a sync and 103 MiB for a preview at the default
// concurrency of 8. GOGC=400 (the collector runs less often while the heap
// is far below the limit) saves CPU on small and even organisations; the
// limit takes over as the heap nears it, which keeps a skewed
// million-finding organisation, or one repository of 300,000 findings,
// near the limit (GOGC=400 alone let the heap grow to five times the live
// heap). A user's GOGC or GOMEMLIMIT, when set, wins. The returned func
// restores the settings.
func streamingGC(e env, w work, concurrency int) func() {
	if e.getenv("GOGC") != "" || e.getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	oldPercent := debug.SetGCPercent(400)
	oldLimit := debug.SetMemoryLimit(streamingMemoryLimit(w, concurrency))
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}

// work is what a headless pipeline does with its pages.
type work int

const (
	workSync    work = iota // encodes them into upload files (sync, watch)
	workPreview             // writes them out as rows
)

// The parts of the soft memory limit (measured: a full page of 3,000
// findings is about 3 MiB decoded; the live heap of the skewed million is
// about 70 MiB for a sync and 45–65 MiB for a preview).
const (
	syncMemoryBase       = 72 << 20
	previewMemoryBase    = 56 << 20
	bytesPerPagedFinding = 1 << 10
	pagesPerRepository   = 2
)

// streamingMemoryLimit is the soft memory limit of a headless pipeline that
// reads concurrency repositories at once.
func streamingMemoryLimit(w work, concurrency int) int64 {
	if concurrency <= 0 {
		concurrency = pipeline.DefaultConcurrency
	}
	base := int64(syncMemoryBase)
	if w == workPreview {
		base = previewMemoryBase
	}
	page := int64(semgrep.DefaultFindingsPageSize) * bytesPerPagedFinding
	return base + int64(concurrency)*pagesPerRepository*page
}
