package main

import (
	"context"
	"fmt"

	"github.com/charmbracelet/x/term"

	"github.com/semgrep-wiz/semgrep-wiz/ui"
	uic "github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/setup"
)

// runTUI opens the terminal app at start (the wizard first when nothing
// is configured).
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
func cmdSetup(ctx context.Context, c *common, accessible bool, e env) error {
	if accessible || e.getenv("ACCESSIBLE") != "" || e.getenv("TERM") == "dumb" {
		svc := newService(c, e)
		defer svc.Close()
		if err := setup.RunAccessible(ctx, svc, e.stdin, e.stdout); err != nil {
			return jobFailed{err.Error()}
		}
		fmt.Fprintln(e.stdout, "Saved. Next: semgrep-wiz check")
		return nil
	}
	return runTUI(ctx, c, e, uic.Setup)
}

// isTerminal reports whether f is a terminal. Being a character device is
// not enough: /dev/null is one, and CI runs commands with stdin from it.
func isTerminal(f any) bool {
	t, ok := f.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(t.Fd())
}
