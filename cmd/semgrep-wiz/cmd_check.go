package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/semgrep-wiz/semgrep-wiz/core/sync"
)

func cmdCheck(ctx context.Context, args []string, e env) error {
	var c common
	var asJSON, upload bool
	fs := newFlagSet("check", "", &c, e)
	fs.BoolVar(&asJSON, "json", false, "print one JSON document on stdout")
	fs.BoolVar(&upload, "upload", false, "also test create:external_data_ingestion (allocates an upload slot in Wiz; nothing is uploaded)")
	if err := parse(fs, "check [--json] [--upload]", args, e); err != nil {
		return helpOK(err)
	}
	a, err := loadApp(&c, e, needs{wiz: true, semgrep: len(c.from) == 0})
	if err != nil {
		return err
	}
	results := sync.Check(ctx, sync.CheckOptions{Wiz: a.wiz, Semgrep: a.semgrep, Deployment: a.cfg.Semgrep.Deployment, IncludeUpload: upload})
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			OK     bool               `json:"ok"`
			Checks []sync.CheckResult `json:"checks"`
		}{sync.Passed(results), results}); err != nil {
			return err
		}
	} else {
		printChecks(e, results)
	}
	if !sync.Passed(results) {
		return jobFailed{"the connection check failed"}
	}
	return nil
}

func printChecks(e env, results []sync.CheckResult) {
	for _, r := range results {
		mark := "✓ pass"
		switch {
		case r.Skipped:
			mark = "- skip"
		case !r.OK:
			mark = "✗ FAIL"
		}
		fmt.Fprintf(e.stdout, "%s  %-32s %s\n", mark, r.Name, oneLine(r.Detail))
		if r.Hint != "" && (!r.OK || r.Skipped) {
			fmt.Fprintf(e.stdout, "        %-32s → %s\n", "", oneLine(r.Hint))
		}
	}
}

// helpOK turns "help was shown" into success.
func helpOK(err error) error {
	if err == errHelp {
		return nil
	}
	return err
}
