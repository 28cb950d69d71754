package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
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
	col, plan, err := a.Plan(ctx, led, events, all)
	if err != nil {
		if ce := app.AsConfigError(err); ce != nil {
			return ce
		}
		return jobFailed{err.Error()}
	}
	pv := preview{col: col, plan: plan, app: a, all: all}
	switch {
	case asJSON:
		err = pv.json(e.stdout)
	case asCSV:
		err = pv.csv(e.stdout)
	default:
		pv.text(e.stdout)
	}
	return err
}

type preview struct {
	col  *pipeline.Collection
	plan *pipeline.Plan
	app  *app.App
	all  bool
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

// source is the plan line of a data source, with its label.
type source struct {
	name, branch, dsID, state, note string
	sp                              *pipeline.SourcePlan
	repo                            *pipeline.Repo
}

// sources lists every data source: the collected repositories in order,
// then those that left the selection.
func (pv preview) sources() []source {
	var out []source
	seen := map[string]bool{}
	for _, r := range pv.col.Repos {
		s := source{name: r.Name, branch: r.Branch, dsID: r.DataSourceID, repo: r, sp: pv.plan.Source(r.DataSourceID)}
		seen[r.DataSourceID] = true
		switch {
		case s.sp == nil:
			s.state, s.note = "not_in_scope", r.Reason
		default:
			s.state, s.note = stateOf(s.sp), s.sp.Reason
			if s.sp.Uploads() && len(r.Sent) == 0 {
				s.note = "no findings: sent with an empty list"
				if s.sp.Held > 0 {
					s.note = fmt.Sprintf("all findings gone: sent empty, Wiz resolves its %d", s.sp.Held)
				}
			}
		}
		out = append(out, s)
	}
	for _, sp := range pv.plan.Sources {
		if !seen[sp.DataSourceID] {
			out = append(out, source{name: sp.Name, branch: sp.Branch, dsID: sp.DataSourceID, sp: sp, state: stateOf(sp), note: sp.Reason})
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

func (pv preview) rows(s source) []previewRow {
	var rows []previewRow
	if r := s.repo; r != nil {
		for i := range r.Sent {
			f := &r.Sent[i]
			st := "new"
			if s.sp != nil && s.sp.IsHeld(r.WizID(f)) {
				st = "unchanged"
			}
			rows = append(rows, row(s.name, f, st, ""))
		}
	}
	if s.sp != nil {
		for _, id := range s.sp.Fixed {
			rows = append(rows, previewRow{Repository: s.name, Branch: s.branch, ID: id, State: "will_be_fixed"})
		}
	}
	if pv.all && s.repo != nil {
		for i := range s.repo.Excluded {
			x := &s.repo.Excluded[i]
			reason := string(x.Reason)
			if x.Detail != "" {
				reason += ": " + x.Detail
			}
			rows = append(rows, row(s.name, &x.Finding, "excluded", reason))
		}
	}
	return rows
}

func row(repo string, f *finding.Finding, state, reason string) previewRow {
	return previewRow{Repository: repo, Branch: f.Branch, ID: f.ID, Severity: f.Severity.String(), Rule: f.RuleID,
		Path: f.Path, Line: f.StartLine, CWE: strings.Join(f.CWEs, " "), State: state, Reason: reason}
}

func (pv preview) json(w io.Writer) error {
	type repoOut struct {
		Name         string       `json:"name"`
		Branch       string       `json:"branch,omitempty"`
		DataSourceID string       `json:"data_source_id"`
		State        string       `json:"state"`
		Note         string       `json:"note,omitempty"`
		New          int          `json:"new"`
		Unchanged    int          `json:"unchanged"`
		WillBeFixed  int          `json:"will_be_fixed"`
		Excluded     int          `json:"excluded"`
		Findings     []previewRow `json:"findings"`
	}
	out := struct {
		Policy       string               `json:"policy"`
		Totals       map[string]int       `json:"totals"`
		Guards       []pipeline.GuardTrip `json:"guards"`
		ScanErrors   []pipeline.FileScan  `json:"scan_errors,omitempty"`
		Repositories []repoOut            `json:"repositories"`
	}{Policy: pv.app.Policy.Describe(), Totals: map[string]int{}, Guards: pv.plan.Trips, ScanErrors: pv.col.Scans, Repositories: []repoOut{}}
	if out.Guards == nil {
		out.Guards = []pipeline.GuardTrip{}
	}
	for _, s := range pv.sources() {
		ro := repoOut{Name: s.name, Branch: s.branch, DataSourceID: s.dsID, State: s.state, Note: s.note, Findings: pv.rows(s)}
		if ro.Findings == nil {
			ro.Findings = []previewRow{}
		}
		if s.sp != nil {
			ro.New, ro.Unchanged, ro.WillBeFixed = s.sp.New, s.sp.Unchanged, s.sp.WillFix
		}
		if s.repo != nil {
			ro.Excluded = len(s.repo.Excluded)
		}
		if s.sp != nil && s.sp.Uploads() {
			out.Totals["send"] += ro.New + ro.Unchanged
			out.Totals["new"] += ro.New
			out.Totals["unchanged"] += ro.Unchanged
			out.Totals["will_be_fixed"] += ro.WillBeFixed
		}
		out.Totals["excluded"] += ro.Excluded
		out.Totals["repositories_"+ro.State]++
		out.Repositories = append(out.Repositories, ro)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (pv preview) csv(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"repository", "branch", "id", "severity", "rule", "path", "line", "cwe", "state", "reason"})
	for _, s := range pv.sources() {
		for _, r := range pv.rows(s) {
			line := ""
			if r.Line > 0 {
				line = strconv.Itoa(r.Line)
			}
			_ = cw.Write([]string{r.Repository, r.Branch, r.ID, r.Severity, r.Rule, r.Path, line, r.CWE, r.State, r.Reason})
		}
	}
	cw.Flush()
	return cw.Error()
}

func (pv preview) text(w io.Writer) {
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
			excl = len(s.repo.Excluded)
			for _, f := range s.repo.Sent {
				switch f.Severity {
				case finding.SeverityCritical:
					crit++
				case finding.SeverityHigh:
					high++
				}
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
	reasons := map[string]int{}
	for _, r := range pv.col.Repos {
		for _, x := range r.Excluded {
			reasons[string(x.Reason)]++
		}
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "\nExcluded by reason:")
	for _, k := range keys {
		fmt.Fprintf(w, "  %-28s %d\n", k, reasons[k])
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
