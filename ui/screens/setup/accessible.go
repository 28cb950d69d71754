package setup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/term"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// ErrInputEnded is returned when the answers ran out before the last
// question (nothing is saved then).
var ErrInputEnded = errors.New("the input ended before every question was answered; nothing was saved")

// RunAccessible is `semgrep-wiz setup --accessible`: the wizard's
// questions as plain prompts (huh's accessible mode), one line each, with
// the hints printed before each prompt and Enter keeping the value shown.
// Between the Semgrep token and the deployment it lists the deployments
// the token can see; then it shows a summary, tests the values entered
// (Service.TestCredentials) and, when they work, asks and saves. When the
// test fails it offers to go back to the field concerned (and test again),
// to save anyway, unverified, or to stop without saving.
// Secrets are read without echo when in is a terminal.
func RunAccessible(ctx context.Context, svc common.Service, in io.Reader, out io.Writer) error {
	base := startConfig(svc.Config())
	v := valuesFrom(base)
	e := &env{v: &v, base: base, accessible: true, stored: storedOf(svc)}
	lr := &lineReader{br: bufio.NewReader(in)}
	var r io.Reader = lr
	tty := false
	if f, ok := in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		r, tty = ttyReader{lr, f.Fd()}, true
	}
	say := func(format string, a ...any) { _, _ = fmt.Fprintf(out, format, a...) }
	ask := func(title string, groups ...*huh.Group) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if title != "" {
			say("\n%s\n\n", title)
		}
		f := huh.NewForm(groups...).WithAccessible(true).WithInput(r).WithOutput(out).
			WithShowHelp(false).WithTheme(huh.ThemeFunc(huh.ThemeBase)) // no colour codes for screen readers
		if err := f.RunWithContext(ctx); err != nil {
			return err
		}
		if lr.starved {
			return ErrInputEnded
		}
		return ctx.Err()
	}

	say("semgrep-wiz setup. Answer each question and press Enter; an empty answer keeps the value shown.\n")
	askWiz := func() error { return ask("Step 1 of 4 · Wiz connection", e.wizGroup(tty)) }
	askSemgrep := func() error { return ask("Step 2 of 4 · Semgrep", e.semgrepGroup(tty)) }
	askDeployment := func() error {
		say("\nAsking Semgrep for the deployments this token can see…\n")
		list, err := svc.Deployments(ctx, v.apply(base).Semgrep.APIURL, strings.TrimSpace(v.Token))
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil && len(list) == 0 {
			err = errNoDeployments
		}
		if err != nil {
			say("Could not list the deployments: %v\nType the slug by hand, or stop (ctrl+c), correct the API URL or token and run setup again.\n", err)
		} else {
			found := false
			for _, d := range list {
				found = found || d.Slug == v.Deployment
			}
			if !found {
				v.Deployment = list[0].Slug
			}
		}
		return ask("", e.deploymentGroup(list, err))
	}
	askPolicy := func() error {
		if err := ask("Step 3 of 4 · What to send", e.policyGroup()); err != nil {
			return err
		}
		v.Severities = splitWords(e.sevText)
		if v.Repos == reposChosen {
			g, _ := e.reposGroup()
			return ask("", g)
		}
		return nil
	}
	for _, step := range []func() error{askWiz, askSemgrep, askDeployment, askPolicy} {
		if err := step(); err != nil {
			return err
		}
	}

	where := svc.SecretsWhere(ctx)
	for {
		cfg := v.apply(base)
		ws, st := strings.TrimSpace(v.WizSecret), strings.TrimSpace(v.Token)
		say("\nStep 4 of 4 · Review\n\n")
		section := ""
		for _, row := range summary(cfg, &v, e.stored) {
			if row.section != section {
				section = row.section
				say("%s\n", section)
			}
			val := row.value
			if val == "" {
				val = "✗ not set"
			}
			say("  %s: %s\n", row.label, val)
		}
		if where != "" {
			say("Secrets are saved %s.\n", where)
		}

		say("\nTesting the Wiz and Semgrep credentials with these values (nothing is saved yet)…\n")
		rs, terr := svc.TestCredentials(ctx, cfg, ws, st)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.stored.note(rs, ws, st)
		if terr == nil && pipeline.Passed(rs) {
			printResults(say, rs)
			save := true
			if err := ask("", huh.NewGroup(huh.NewConfirm().Title("The values work. Save this configuration?").Value(&save))); err != nil {
				return err
			}
			if !save {
				say("Nothing was saved.\n")
				return nil
			}
			return saveAccessible(ctx, svc, say, cfg, ws, st)
		}
		if terr != nil {
			say("The test could not run:\n")
			for _, p := range problems(terr) {
				say("  %s\n", strings.TrimPrefix(p, "Saving failed: "))
			}
		} else {
			printResults(say, rs)
		}

		// Failed: go back to the field concerned, save anyway on purpose,
		// or stop without saving.
		field := ""
		for _, r := range rs {
			if !r.OK && !r.Skipped {
				if field = fieldOf(r); field != "" {
					break
				}
			}
		}
		var opts []huh.Option[string]
		choice := "save"
		if field != "" {
			opts = append(opts, huh.NewOption("Go back to "+label(field)+" (then test again)", "edit"))
			choice = "edit"
		}
		opts = append(opts, huh.NewOption("Save anyway, unverified", "save"), huh.NewOption("Do not save", "quit"))
		say("\n")
		if err := ask("", huh.NewGroup(huh.NewSelect[string]().
			Title("The test failed; nothing is saved yet. What now? (Enter keeps the first choice)").Options(opts...).Value(&choice))); err != nil {
			return err
		}
		switch choice {
		case "save":
			return saveAccessible(ctx, svc, say, cfg, ws, st)
		case "quit":
			say("Nothing was saved.\n")
			return nil
		}
		var again []func() error
		switch pageOf(field) {
		case pageWiz:
			again = []func() error{askWiz}
		case pageSemgrep:
			again = []func() error{askSemgrep, askDeployment} // the list depends on the token
		case pageDeployment:
			again = []func() error{askDeployment}
		default:
			again = []func() error{askPolicy}
		}
		for _, step := range again {
			if err := step(); err != nil {
				return err
			}
		}
	}
}

// printResults prints the test's rows: ✓/✗, the check and what was
// found, and under a failure its fix.
func printResults(say func(string, ...any), rs []pipeline.CheckResult) {
	shown, notRun := shownResults(rs)
	for _, r := range shown {
		mark := "✓"
		switch {
		case r.Skipped:
			mark = "○ not run:"
		case !r.OK:
			mark = "✗ FAILED:"
		}
		say("  %s %s — %s\n", mark, r.Name, r.Detail)
		if !r.OK && !r.Skipped && r.Hint != "" {
			say("    Fix: %s\n", r.Hint)
		}
	}
	if notRun > 0 {
		say("  (%d more not run: they need the checks above to pass)\n", notRun)
	}
}

func saveAccessible(ctx context.Context, svc common.Service, say func(string, ...any), cfg config.Config, ws, st string) error {
	if err := svc.SaveConfig(ctx, cfg, ws, st); err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	say("Saved. Next, `semgrep-wiz check` proves the connection.\n")
	return nil
}

// lineReader hands out at most one line per Read. huh's accessible
// prompts wrap the input in a new bufio.Scanner for every question, and a
// scanner reading a pipe in big chunks would swallow the answers to the
// questions after it. It also notices a prompt that found the input
// already ended (huh then silently keeps the default).
type lineReader struct {
	br      *bufio.Reader
	partial bool // the last line handed out has no newline yet
	starved bool
}

func (l *lineReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := l.br.ReadByte()
		if err != nil {
			if n > 0 {
				l.partial = true
				return n, nil
			}
			if errors.Is(err, io.EOF) {
				if l.partial {
					l.partial = false // the EOF that ends a last line without newline
				} else {
					l.starved = true
				}
			}
			return 0, err
		}
		p[n] = b
		n++
		if b == '\n' {
			l.partial = false
			return n, nil
		}
	}
	l.partial = n > 0
	return n, nil
}

// ttyReader lets huh read secrets from the terminal without echo.
type ttyReader struct {
	*lineReader
	fd uintptr
}

func (t ttyReader) Fd() uintptr { return t.fd }
