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

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/sync"
)

func cmdPreview(ctx context.Context, args []string, e env) error {
	var c common
	var asJSON, asCSV, all bool
	fs := newFlagSet("preview", "", &c, e)
	fs.BoolVar(&asJSON, "json", false, "print one JSON document on stdout")
	fs.BoolVar(&asCSV, "csv", false, "print one CSV row per finding on stdout")
	fs.BoolVar(&all, "all", false, "include excluded findings, each with its reason")
	if err := parse(fs, "preview [--json|--csv] [--all]", args, e); err != nil {
		return helpOK(err)
	}
	if asJSON && asCSV {
		return usagef("preview: choose one of --json and --csv")
	}
	a, err := loadApp(&c, e, needs{semgrep: true})
	if err != nil {
		return err
	}
	events, closeLog := a.events(e)
	defer closeLog()
	opts := a.collectOptions(e, events)
	opts.AllFindings = all
	col, err := sync.Collect(ctx, opts)
	if err != nil {
		return jobFailed{err.Error()}
	}
	switch {
	case asJSON:
		err = previewJSON(e.stdout, col, a, all)
	case asCSV:
		err = previewCSV(e.stdout, col, all)
	default:
		previewText(e.stdout, col, a, all)
	}
	return err
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
	State      string `json:"state"`
	Reason     string `json:"reason,omitempty"`
}

func rowsOf(r *sync.Repo, all bool) []previewRow {
	var rows []previewRow
	add := func(f *finding.Finding, state, reason string) {
		rows = append(rows, previewRow{Repository: r.Name, Branch: f.Branch, ID: f.ID, Severity: f.Severity.String(), Rule: f.RuleID,
			Path: f.Path, Line: f.StartLine, CWE: strings.Join(f.CWEs, " "), State: state, Reason: reason})
	}
	for i := range r.Sent {
		add(&r.Sent[i], "send", "")
	}
	if all {
		for i := range r.Excluded {
			x := &r.Excluded[i]
			reason := string(x.Reason)
			if x.Detail != "" {
				reason += ": " + x.Detail
			}
			add(&x.Finding, "excluded", reason)
		}
	}
	return rows
}

func previewJSON(w io.Writer, col *sync.Collection, a *app, all bool) error {
	type repoOut struct {
		*sync.Repo
		State    string       `json:"state"`
		Error    string       `json:"error,omitempty"`
		Send     int          `json:"send"`
		Excluded int          `json:"excluded"`
		Findings []previewRow `json:"findings"`
	}
	out := struct {
		Policy       string         `json:"policy"`
		Totals       map[string]int `json:"totals"`
		Repositories []repoOut      `json:"repositories"`
	}{Policy: a.policy.Describe(), Totals: map[string]int{}, Repositories: []repoOut{}}
	for _, r := range col.Repos {
		ro := repoOut{Repo: r, State: repoState(r), Send: len(r.Sent), Excluded: len(r.Excluded), Findings: rowsOf(r, all)}
		if ro.Findings == nil {
			ro.Findings = []previewRow{}
		}
		if r.FetchErr != nil {
			ro.Error = r.FetchErr.Error()
		}
		out.Totals["send"] += len(r.Sent)
		out.Totals["excluded"] += len(r.Excluded)
		out.Totals["repositories_"+ro.State]++
		out.Repositories = append(out.Repositories, ro)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func previewCSV(w io.Writer, col *sync.Collection, all bool) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"repository", "branch", "id", "severity", "rule", "path", "line", "cwe", "state", "reason"})
	for _, r := range col.Repos {
		for _, row := range rowsOf(r, all) {
			_ = cw.Write([]string{row.Repository, row.Branch, row.ID, row.Severity, row.Rule, row.Path, strconv.Itoa(row.Line), row.CWE, row.State, row.Reason})
		}
	}
	cw.Flush()
	return cw.Error()
}

func repoState(r *sync.Repo) string {
	switch {
	case r.Failed():
		return "failed"
	case !r.InScope:
		return "not_in_scope"
	}
	return "send"
}

func previewText(w io.Writer, col *sync.Collection, a *app, all bool) {
	fmt.Fprintf(w, "Policy: %s\n\n", a.policy.Describe())
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tBRANCH\tSTATE\tSEND\tCRIT\tHIGH\tEXCLUDED\tNOTE")
	for _, r := range col.Repos {
		var crit, high int
		for _, f := range r.Sent {
			switch f.Severity {
			case finding.SeverityCritical:
				crit++
			case finding.SeverityHigh:
				high++
			}
		}
		note := r.Reason
		if r.Failed() {
			note = "fetch failed, left out: " + r.FetchErr.Error()
		} else if r.InScope && len(r.Sent) == 0 {
			note = "sent empty: Wiz resolves what it held"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.Name, dash(r.Branch), repoState(r), len(r.Sent), crit, high, len(r.Excluded), oneLine(note))
	}
	tw.Flush()
	sent, excluded, reposSent, reposFailed := col.Totals()
	fmt.Fprintf(w, "\nWould send %s for %s", plural(sent, "finding", "findings"), plural(reposSent, "repository", "repositories"))
	fmt.Fprintf(w, "; %d excluded", excluded)
	if reposFailed > 0 {
		fmt.Fprintf(w, "; %s could not be read and would be left out", plural(reposFailed, "repository", "repositories"))
	}
	fmt.Fprintln(w, ".")
	if !all {
		fmt.Fprintln(w, "Run with --all to list excluded findings and their reasons, --csv or --json for every finding.")
		return
	}
	reasons := map[string]int{}
	for _, r := range col.Repos {
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
