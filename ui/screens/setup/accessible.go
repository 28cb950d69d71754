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
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// ErrInputEnded is returned when the answers ran out before the last
// question (nothing is saved then).
var ErrInputEnded = errors.New("the input ended before every question was answered; nothing was saved")

// RunAccessible is `semgrep-wiz setup --accessible`: the wizard's
// questions as plain prompts (huh's accessible mode), one line each, with
// the hints printed before each prompt and Enter keeping the value shown.
// Between the Semgrep token and the deployment it lists the deployments
// the token can see; then it shows a summary, asks, and saves.
// Secrets are read without echo when in is a terminal.
func RunAccessible(ctx context.Context, svc common.Service, in io.Reader, out io.Writer) error {
	base := startConfig(svc.Config())
	v := valuesFrom(base)
	e := &env{v: &v, base: base, accessible: true, stored: stored{
		wiz:     svc.HasSecret(config.SecretWizClientSecret),
		semgrep: svc.HasSecret(config.SecretSemgrepToken),
	}}
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
	if err := ask("Step 1 of 4 · Wiz connection", e.wizGroup(tty)); err != nil {
		return err
	}
	if err := ask("Step 2 of 4 · Semgrep", e.semgrepGroup(tty)); err != nil {
		return err
	}

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
	if err := ask("", e.deploymentGroup(list, err)); err != nil {
		return err
	}

	if err := ask("Step 3 of 4 · What to send", e.policyGroup()); err != nil {
		return err
	}
	v.Severities = splitWords(e.sevText)
	if v.Repos == reposChosen {
		g, _ := e.reposGroup()
		if err := ask("", g); err != nil {
			return err
		}
	}

	cfg := v.apply(base)
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
	save := true
	if err := ask("", huh.NewGroup(huh.NewConfirm().Title("Save this configuration?").Value(&save))); err != nil {
		return err
	}
	if !save {
		say("Nothing was saved.\n")
		return nil
	}
	if err := svc.SaveConfig(ctx, cfg, strings.TrimSpace(v.WizSecret), strings.TrimSpace(v.Token)); err != nil {
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
