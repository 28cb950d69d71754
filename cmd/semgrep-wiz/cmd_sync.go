package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/sync"
)

func cmdSync(ctx context.Context, args []string, e env) error {
	var c common
	var yes, dryRun, asJSON bool
	var out string
	fs := newFlagSet("sync", "", &c, e)
	fs.BoolVar(&yes, "yes", false, "do not ask for confirmation (needed when not run interactively)")
	fs.BoolVar(&dryRun, "dry-run", false, "write the upload file and contact no Wiz endpoint")
	fs.StringVar(&out, "out", "", "keep the upload file in this directory")
	fs.BoolVar(&asJSON, "json", false, "print one JSON document on stdout")
	if err := parse(fs, "sync [--yes] [--dry-run] [--out DIR] [--json]", args, e); err != nil {
		return helpOK(err)
	}
	interactive := e.isInteractive()
	if !yes && !dryRun && !interactive {
		return usagef("sync uploads to Wiz and needs confirmation: add --yes (or --dry-run to only write the file)")
	}
	a, err := loadApp(&c, e, needs{wiz: !dryRun, semgrep: true})
	if err != nil {
		return err
	}
	if dryRun && out == "" {
		out = a.workDir()
	}
	events, closeLog := a.events(e)
	defer closeLog()
	o := sync.Options{
		Collect: a.collectOptions(e, events),
		Schema:  a.schemaOptions(),
		Wiz:     a.wiz,
		DryRun:  dryRun,
		OutDir:  out,
		WorkDir: a.workDir(),
		Events:  events,
	}
	if !yes && !dryRun {
		o.Confirm = func(p sync.Plan) bool { return confirm(e, p) }
	}
	res, runErr := sync.Run(ctx, o)
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printResult(e.stdout, res)
	}
	switch res.Status {
	case sync.StatusSuccess, sync.StatusDryRun, sync.StatusNothingToDo:
		return nil
	case sync.StatusCancelled:
		return jobFailed{"sync cancelled; nothing more was sent"}
	}
	if runErr != nil && asJSON {
		return jobFailed{runErr.Error()}
	}
	return jobFailed{"sync finished with status " + string(res.Status)}
}

func confirm(e env, p sync.Plan) bool {
	fmt.Fprintf(e.stderr, "\nSend %s for %s to Wiz?", plural(p.Findings, "finding", "findings"), plural(p.Repositories, "repository", "repositories"))
	fmt.Fprintf(e.stderr, " Each repository's data source in Wiz is replaced by what is sent: findings it held that are not in this upload will be marked fixed.")
	if len(p.FailedRepos) > 0 {
		fmt.Fprintf(e.stderr, " %s could not be read and will be left out (unchanged in Wiz).", plural(len(p.FailedRepos), "repository", "repositories"))
	}
	fmt.Fprint(e.stderr, " [y/N] ")
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

func printResult(w io.Writer, r *sync.Result) {
	fmt.Fprintf(w, "\nRun %s: %s\n", r.RunID, strings.ToUpper(string(r.Status)))
	var sent, notInScope, failed int
	for _, repo := range r.Repositories {
		switch repo.State {
		case "sent":
			sent++
		case "not_in_scope":
			notInScope++
		case "failed":
			failed++
		}
	}
	fmt.Fprintf(w, "  findings:     %d sent, %d excluded by the policy\n", r.Findings.Sent, r.Findings.Excluded)
	fmt.Fprintf(w, "  repositories: %d sent, %d not in scope, %d failed\n", sent, notInScope, failed)
	for _, repo := range r.Repositories {
		if repo.State == "failed" {
			fmt.Fprintf(w, "    ✗ %s: %s\n", repo.Name, oneLine(repo.Reason))
		}
	}
	for _, u := range r.Uploads {
		if u.Status == "NOT_SENT" {
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
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  ! %s\n", warn)
	}
	if r.Status == sync.StatusSuccess || r.Status == sync.StatusPartial {
		fmt.Fprintln(w, "  Wiz ingests uploads in batches; findings appear in the Security Graph within about 24 hours.")
	}
	if r.Status == sync.StatusNothingToDo {
		fmt.Fprintln(w, "  No repository is in scope: nothing was sent. 'semgrep-wiz preview --all' shows why.")
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error:        %s\n", oneLine(r.Error))
	}
}
