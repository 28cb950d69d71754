package main

import (
	"context"
	"fmt"
	"os"

	"github.com/semgrep-wiz/semgrep-wiz/ui"
	uic "github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/setup"
)

// cmdTUI opens the terminal app (the wizard first when nothing is
// configured).
func cmdTUI(ctx context.Context, args []string, e env, start uic.ScreenID) error {
	var c common
	fs := newFlagSet("semgrep-wiz", "", &c, e)
	if err := parse(fs, "[flags]   (the terminal app; see 'semgrep-wiz help' for the headless commands)", args, e); err != nil {
		return helpOK(err)
	}
	return runTUI(ctx, &c, e, start)
}

func runTUI(ctx context.Context, c *common, e env, start uic.ScreenID) error {
	if !e.isInteractive() || !isTerminal(e.stdout) {
		return usagef("not a terminal: the app needs one. Use the headless commands instead: check, preview, sync, history (see 'semgrep-wiz help')")
	}
	svc := newService(c, e)
	defer svc.Close()
	return ui.Run(ctx, svc, ui.Options{NoColor: c.noColor || e.getenv("NO_COLOR") != "", Start: start})
}

// cmdSetup runs the setup wizard alone: in the app, or as plain prompts
// with --accessible (screen readers, TERM=dumb).
func cmdSetup(ctx context.Context, args []string, e env) error {
	var c common
	var accessible bool
	fs := newFlagSet("setup", "", &c, e)
	fs.BoolVar(&accessible, "accessible", false, "plain prompts instead of the full-screen form (also ACCESSIBLE=1 or TERM=dumb)")
	if err := parse(fs, "setup [--accessible]", args, e); err != nil {
		return helpOK(err)
	}
	if accessible || e.getenv("ACCESSIBLE") != "" || e.getenv("TERM") == "dumb" {
		svc := newService(&c, e)
		defer svc.Close()
		if err := setup.RunAccessible(ctx, svc, e.stdin, e.stdout); err != nil {
			return jobFailed{err.Error()}
		}
		fmt.Fprintln(e.stdout, "Saved. Next: semgrep-wiz check")
		return nil
	}
	return runTUI(ctx, &c, e, uic.Setup)
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
