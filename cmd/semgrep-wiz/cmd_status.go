package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
)

func (cl *cli) statusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Per data source: last send Wiz accepted, findings held, when Wiz drops it",
		Long: "Per data source (one per repository): when Wiz last reported SUCCESS for it, how many findings Wiz holds from us, " +
			"when Wiz drops them (7 days after that success) and a state: fresh, due (the daily refresh is due), expiring (within 48 hours), " +
			"expired, never (Wiz never accepted it). Exit status 1 when any data source is expiring or expired, for cron and CI monitoring.",
		Example: "semgrep-wiz status\nsemgrep-wiz status --json",
		Args:    noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return runStatus(ctx, &cl.c, cl.e, asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document on stdout")
	return cmd
}

// runStatus is `status` once its flags are parsed: exit status 1 when a
// data source is expiring or expired, so cron and CI monitoring can use it.
func runStatus(ctx context.Context, c *common, e env, asJSON bool) error {
	a, err := loadApp(c, e, app.Needs{})
	if err != nil {
		return err
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	r, err := a.Status(ctx, led)
	if err != nil {
		return jobFailed{err.Error()}
	}
	if asJSON {
		if err := writeJSON(e.stdout, r.Document()); err != nil {
			return err
		}
	} else if err := printStatus(e.stdout, r); err != nil {
		return err
	}
	if r.Alarm() {
		n := r.Count(status.Expiring) + r.Count(status.Expired)
		return jobFailed{fmt.Sprintf("%s expiring or expired in Wiz", plural(n, "data source is", "data sources are"))}
	}
	return nil
}

// printStatus is the human form: a table, then a sentence for each data
// source that needs someone, then one line about all of them.
func printStatus(w io.Writer, r status.Report) error {
	if len(r.DataSources) == 0 {
		_, err := fmt.Fprintln(w, "Wiz holds nothing from us yet: no sync has been accepted by Wiz. 'semgrep-wiz sync' sends one.")
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tSTATE\tLAST SUCCESS (UTC)\tFINDINGS\tWIZ DROPS IT (UTC)\tDATA SOURCE")
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	for _, d := range r.DataSources {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.Repository, d.State, stamp(d.LastSuccess), d.Findings, stamp(d.ExpiresAt), d.ID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, d := range r.Attention() {
		fmt.Fprintln(w, d.Sentence(r.Now))
	}
	_, err := fmt.Fprintln(w, r.Summary()+".")
	return err
}
