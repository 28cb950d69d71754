package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

type checkOpts struct{ json, upload bool }

func cmdCheck(ctx context.Context, c *common, o checkOpts, e env) error {
	a, err := loadApp(c, e, app.Needs{Wiz: true, Semgrep: len(c.From) == 0})
	if err != nil {
		return err
	}
	results := a.Check(ctx, o.upload)
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			OK     bool                   `json:"ok"`
			Checks []pipeline.CheckResult `json:"checks"`
		}{pipeline.Passed(results), results}); err != nil {
			return err
		}
	} else {
		printChecks(e, results)
	}
	if !pipeline.Passed(results) {
		return jobFailed{"the connection check failed"}
	}
	return nil
}

func printChecks(e env, results []pipeline.CheckResult) {
	for _, r := range results {
		// The words the terminal app's check screen uses.
		mark := "✓ pass   "
		switch {
		case r.Skipped:
			mark = "○ not run"
		case !r.OK:
			mark = "✗ FAIL   "
		}
		fmt.Fprintf(e.stdout, "%s  %-32s %s\n", mark, r.Name, oneLine(r.Detail))
		if r.Hint != "" && (!r.OK || r.Skipped) {
			fmt.Fprintf(e.stdout, "           %-32s → %s\n", "", oneLine(r.Hint))
		}
	}
}
