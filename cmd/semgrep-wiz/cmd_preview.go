package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

type previewOpts struct{ json, csv, all bool }

// cmdPreview plans like a sync and prints the plan as it is made
// (pipeline.StreamPreview): the CSV writes each page's rows as it is
// planned, the JSON each repository as it completes, totals last. Nothing
// holds the organisation's findings.
func cmdPreview(ctx context.Context, c *common, o previewOpts, e env) error {
	asJSON, asCSV, all := o.json, o.csv, o.all
	if asJSON && asCSV {
		return usagef("preview: choose one of --json and --csv")
	}
	a, err := loadApp(c, e, app.Needs{Semgrep: true})
	if err != nil {
		return err
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	events, closeLog := commandEvents(a, e)
	defer closeLog()
	defer streamingGC(e, workPreview, a.Config.Semgrep.Concurrency)()
	pv := &preview{app: a, all: all, w: e.stdout, tmpDir: a.WorkDir(), counts: map[*pipeline.Repo]*repoCounts{}, reasons: map[string]int{}}
	switch {
	case asJSON:
		pv.mode = modeJSON
	case asCSV:
		pv.mode = modeCSV
	}
	defer pv.close()
	co := a.CollectOptions(events)
	co.AllFindings = all
	po := pipeline.PlanOptions{Guards: a.Guards(), FullRun: !a.FromFiles()}
	col, plan, err := pipeline.StreamPreview(ctx, co, led, po, pv)
	if err == nil {
		err = pv.err
	}
	if err != nil {
		if ce := app.AsConfigError(err); ce != nil {
			return ce
		}
		return jobFailed{err.Error()}
	}
	pv.col, pv.plan = col, plan
	switch pv.mode {
	case modeJSON:
		return pv.jsonEnd()
	case modeCSV:
		if !pv.started {
			pv.start()
		}
		pv.cw.Flush()
		return pv.cw.Error()
	}
	pv.text(e.stdout)
	return nil
}

type previewMode uint8

const (
	modeText previewMode = iota
	modeJSON
	modeCSV
)

// preview is the headless preview's pipeline.PreviewSink: it keeps counts
// per repository and writes rows out as they come (CSV), or per
// repository into a file aside until the repository is done (JSON).
type preview struct {
	app    *app.App
	all    bool
	mode   previewMode
	w      io.Writer
	tmpDir string
	err    error // the first write error

	col  *pipeline.Collection
	plan *pipeline.Plan

	counts  map[*pipeline.Repo]*repoCounts
	reasons map[string]int // excluded findings by reason (--all)

	cw        *csv.Writer
	started   bool // the head is written
	jsonRepos int  // repository objects written
}

// repoCounts is what the text and JSON previews keep of a repository.
type repoCounts struct {
	crit, high int
	rows       *os.File // JSON: the repository's rows, until it is done
	rowsW      *bufio.Writer
	nrows      int
}

// previewRow is one finding in the JSON and CSV previews.
type previewRow struct {
	Repository string `json:"repository"`
	Branch     string `json:"branch"`
	ID         string `json:"id"`
	Severity   string `json:"severity"`
	Rule       string `json:"rule"`
	Path       string `json:"path"`
	Line       int    `json:"line"`
	CWE        string `json:"cwe"`
	// State: new, unchanged, will_be_fixed, excluded.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

func (pv *preview) fail(err error) {
	if pv.err == nil && err != nil {
		pv.err = err
	}
}

// Repo is the first call: the head of the output.
func (pv *preview) Repo(r *pipeline.Repo) {
	if !pv.started {
		pv.start()
	}
	pv.counts[r] = &repoCounts{}
}

func (pv *preview) start() {
	pv.started = true
	switch pv.mode {
	case modeCSV:
		pv.cw = csv.NewWriter(pv.w)
		pv.fail(pv.cw.Write([]string{"repository", "branch", "id", "severity", "rule", "path", "line", "cwe", "state", "reason"}))
	case modeJSON:
		pol, _ := json.Marshal(pv.app.Policy.Describe())
		_, err := fmt.Fprintf(pv.w, "{\n  \"policy\": %s,\n  \"repositories\": [", pol)
		pv.fail(err)
	}
}

func (pv *preview) Rows(r *pipeline.Repo, rows []pipeline.PreviewRow) {
	rc := pv.counts[r]
	for i := range rows {
		x := &rows[i]
		if x.State == pipeline.RowExcluded {
			if !pv.all {
				continue
			}
			pv.reasons[strings.SplitN(x.Reason, ": ", 2)[0]]++
		} else {
			switch x.Finding.Severity {
			case finding.SeverityCritical:
				rc.crit++
			case finding.SeverityHigh:
				rc.high++
			}
		}
		if pv.mode == modeText {
			continue
		}
		pr := row(r.Name, x.Finding, rowState(x.State), x.Reason)
		switch pv.mode {
		case modeCSV:
			pv.csvRow(pr)
		case modeJSON:
			pv.jsonRow(rc, pr)
		}
	}
	if pv.cw != nil {
		pv.cw.Flush() // the page is out
		pv.fail(pv.cw.Error())
	}
}

func rowState(s pipeline.RowState) string {
	switch s {
	case pipeline.RowUnchanged:
		return "unchanged"
	case pipeline.RowExcluded:
		return "excluded"
	}
	return "new"
}

func (pv *preview) Done(r *pipeline.Repo, s *pipeline.SourcePlan) {
	var fixed []previewRow
	if s != nil {
		for _, id := range s.Fixed {
			fixed = append(fixed, previewRow{Repository: s.Name, Branch: s.Branch, ID: id, State: "will_be_fixed"})
		}
	}
	switch pv.mode {
	case modeCSV:
		for _, f := range fixed {
			pv.csvRow(f)
		}
		pv.cw.Flush()
		pv.fail(pv.cw.Error())
	case modeJSON:
		pv.jsonRepo(r, s, fixed)
	}
}

func (pv *preview) csvRow(r previewRow) {
	line := ""
	if r.Line > 0 {
		line = strconv.Itoa(r.Line)
	}
	pv.fail(pv.cw.Write([]string{r.Repository, r.Branch, r.ID, r.Severity, r.Rule, r.Path, line, r.CWE, r.State, r.Reason}))
}

// jsonRow keeps one row of a repository aside until it is done.
func (pv *preview) jsonRow(rc *repoCounts, r previewRow) {
	if rc.rows == nil {
		f, err := os.CreateTemp(pv.tmpDir, ".semgrep-wiz-preview-*")
		if err != nil {
			if err = os.MkdirAll(pv.tmpDir, 0o700); err == nil {
				f, err = os.CreateTemp(pv.tmpDir, ".semgrep-wiz-preview-*")
			}
		}
		if err != nil {
			pv.fail(fmt.Errorf("keeping the preview's rows aside: %w", err))
			return
		}
		rc.rows, rc.rowsW = f, bufio.NewWriterSize(f, 16<<10)
	}
	b, err := json.Marshal(r)
	if err != nil {
		pv.fail(err)
		return
	}
	if rc.nrows > 0 {
		rc.rowsW.WriteString(",")
	}
	rc.rowsW.WriteString("\n        ")
	rc.rowsW.Write(b)
	rc.nrows++
}

// jsonRepoOut is a repository of the JSON preview, without its findings
// (written after it, streamed).
type jsonRepoOut struct {
	Name         string `json:"name"`
	Branch       string `json:"branch,omitempty"`
	DataSourceID string `json:"data_source_id"`
	State        string `json:"state"`
	Note         string `json:"note,omitempty"`
	New          int    `json:"new"`
	Unchanged    int    `json:"unchanged"`
	WillBeFixed  int    `json:"will_be_fixed"`
	Excluded     int    `json:"excluded"`
}

// jsonRepo writes one repository object, its findings read back from the
// file they waited in.
func (pv *preview) jsonRepo(r *pipeline.Repo, s *pipeline.SourcePlan, fixed []previewRow) {
	src := sourceOf(r, s)
	ro := jsonRepoOut{Name: src.name, Branch: src.branch, DataSourceID: src.dsID, State: src.state, Note: src.note}
	if s != nil {
		ro.New, ro.Unchanged, ro.WillBeFixed = s.New, s.Unchanged, s.WillFix
	}
	var rc *repoCounts
	if r != nil {
		_, ro.Excluded = r.Counts()
		rc = pv.counts[r]
	}
	head, err := json.Marshal(ro)
	if err != nil {
		pv.fail(err)
		return
	}
	bw := bufio.NewWriter(pv.w)
	if pv.jsonRepos > 0 {
		bw.WriteString(",")
	}
	bw.WriteString("\n    ")
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"findings":[`)
	n := 0
	if rc != nil && rc.rows != nil {
		if err := rc.rowsW.Flush(); err != nil {
			pv.fail(err)
		} else if _, err := rc.rows.Seek(0, io.SeekStart); err != nil {
			pv.fail(err)
		} else if _, err := io.Copy(bw, rc.rows); err != nil {
			pv.fail(err)
		}
		n = rc.nrows
		rc.close()
	}
	for _, f := range fixed {
		b, _ := json.Marshal(f)
		if n > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n        ")
		bw.Write(b)
		n++
	}
	if n > 0 {
		bw.WriteString("\n    ")
	}
	bw.WriteString("]}")
	pv.fail(bw.Flush())
	pv.jsonRepos++
}

func (rc *repoCounts) close() {
	if rc.rows != nil {
		rc.rows.Close()
		os.Remove(rc.rows.Name())
		rc.rows, rc.rowsW = nil, nil
	}
}

// close removes what waited aside (a preview that stopped part way).
func (pv *preview) close() {
	for _, rc := range pv.counts {
		rc.close()
	}
}

// jsonEnd writes what is only known at the end: the guards (the tenant-wide
// one), the scan errors and the totals.
func (pv *preview) jsonEnd() error {
	if !pv.started { // no repository at all
		pv.start()
	}
	totals := map[string]int{}
	for _, s := range pv.sources() {
		if s.sp != nil && s.sp.Uploads() {
			totals["send"] += s.sp.New + s.sp.Unchanged
			totals["new"] += s.sp.New
			totals["unchanged"] += s.sp.Unchanged
			totals["will_be_fixed"] += s.sp.WillFix
		}
		if s.repo != nil {
			_, x := s.repo.Counts()
			totals["excluded"] += x
		}
		totals["repositories_"+s.state]++
	}
	guards := pv.plan.Trips
	if guards == nil {
		guards = []pipeline.GuardTrip{}
	}
	tail := struct {
		Guards     []pipeline.GuardTrip `json:"guards"`
		ScanErrors []pipeline.FileScan  `json:"scan_errors,omitempty"`
		Totals     map[string]int       `json:"totals"`
	}{guards, pv.col.Scans, totals}
	b, err := json.MarshalIndent(tail, "", "  ")
	if err != nil {
		return err
	}
	sep := "\n  ],\n  "
	if pv.jsonRepos == 0 {
		sep = "],\n  "
	}
	_, err = fmt.Fprintf(pv.w, "%s%s\n", sep, b[4:]) // b[4:]: the tail's fields, after "{\n  "
	pv.fail(err)
	return pv.err
}

// source is the plan line of a data source, with its label.
type source struct {
	name, branch, dsID, state, note string
	sp                              *pipeline.SourcePlan
	repo                            *pipeline.Repo
}

// sourceOf labels a repository (r nil: a source that left the selection)
// and its plan (nil: not in scope).
func sourceOf(r *pipeline.Repo, sp *pipeline.SourcePlan) source {
	if r == nil {
		return source{name: sp.Name, branch: sp.Branch, dsID: sp.DataSourceID, sp: sp, state: stateOf(sp), note: sp.Reason}
	}
	s := source{name: r.Name, branch: r.Branch, dsID: r.DataSourceID, repo: r, sp: sp}
	switch {
	case sp == nil:
		s.state, s.note = "not_in_scope", r.Reason
	default:
		s.state, s.note = stateOf(sp), sp.Reason
		if sent, _ := r.Counts(); sp.Uploads() && sent == 0 {
			s.note = "no findings: sent with an empty list"
			if sp.Held > 0 {
				s.note = fmt.Sprintf("all findings gone: sent empty, Wiz resolves its %d", sp.Held)
			}
		}
	}
	return s
}

// sources lists every data source: the collected repositories in order,
// then those that left the selection.
func (pv *preview) sources() []source {
	var out []source
	seen := map[string]bool{}
	for _, r := range pv.col.Repos {
		out = append(out, sourceOf(r, pv.plan.Source(r.DataSourceID)))
		seen[r.DataSourceID] = true
	}
	for _, sp := range pv.plan.Sources {
		if !seen[sp.DataSourceID] {
			out = append(out, sourceOf(nil, sp))
		}
	}
	return out
}

func stateOf(sp *pipeline.SourcePlan) string {
	switch sp.Action {
	case pipeline.ActionSend:
		return "send"
	case pipeline.ActionSendEmpty:
		return "send_empty"
	case pipeline.ActionSkipFailed:
		return "failed"
	case pipeline.ActionSkipBudget:
		return "over_budget"
	case pipeline.ActionSkipGuard:
		return "held_by_guard"
	}
	return string(sp.Action)
}

func row(repo string, f *finding.Finding, state, reason string) previewRow {
	return previewRow{Repository: repo, Branch: f.Branch, ID: f.ID, Severity: f.Severity.String(), Rule: f.RuleID,
		Path: f.Path, Line: f.StartLine, CWE: strings.Join(f.CWEs, " "), State: state, Reason: reason}
}

func (pv *preview) text(w io.Writer) {
	fmt.Fprintf(w, "Policy: %s\n\n", pv.app.Policy.Describe())
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tBRANCH\tSTATE\tSEND\tNEW\tFIXED\tCRIT\tHIGH\tEXCL\tNOTE")
	for _, s := range pv.sources() {
		var send, nw, fixed, crit, high, excl int
		if s.sp != nil {
			nw, fixed = s.sp.New, s.sp.WillFix
			send = s.sp.New + s.sp.Unchanged
		}
		if s.repo != nil {
			_, excl = s.repo.Counts()
			if rc := pv.counts[s.repo]; rc != nil {
				crit, high = rc.crit, rc.high
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", s.name, dash(s.branch), s.state, send, nw, fixed, crit, high, excl, oneLine(s.note))
	}
	tw.Flush()
	p := pv.plan
	fmt.Fprintf(w, "\nWould send %s for %s: %s new, %s unchanged; %s will be marked fixed in Wiz; %s.\n",
		plural(p.Findings, "finding", "findings"), plural(p.Repositories, "repository", "repositories"), textfmt.Commas(p.New),
		textfmt.Commas(p.Unchanged), textfmt.Commas(p.Resolved), excludedText(p.Excluded, pv.col.APIFiltered))
	for _, t := range p.Trips {
		fmt.Fprintf(w, "! %s", t.Message)
		if t.Override != "" {
			fmt.Fprintf(w, " — %s", t.Override)
		}
		fmt.Fprintln(w)
	}
	for _, fs := range pv.col.Scans {
		if fs.SentAnyway { // a failed scan left out is among the guards above
			fmt.Fprintf(w, "! %s: the scan failed (%s); included anyway (--allow-scan-errors)\n", fs.File, oneLine(fs.FirstError))
		}
		if fs.Warnings > 0 {
			fmt.Fprintf(w, "! %s: Semgrep reported %s that concern single files (%s); its findings are still included\n",
				fs.File, plural(fs.Warnings, "error", "errors"), fs.WarningKinds)
		}
	}
	if !pv.all {
		fmt.Fprintln(w, "Run with --all to read every finding and list the excluded ones with their reasons; --csv or --json for every finding.")
		return
	}
	keys := make([]string, 0, len(pv.reasons))
	for k := range pv.reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "\nExcluded by reason:")
	for _, k := range keys {
		fmt.Fprintf(w, "  %-28s %d\n", k, pv.reasons[k])
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
