package main

import (
	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	uic "github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// loadApp loads the configuration and builds the clients a command needs
// (core/app). Its errors are app.ConfigError: exit status 2.
func loadApp(c *common, e env, n app.Needs) (*app.App, error) {
	return app.Load(c.Options, e.core(), n)
}

// newService is the terminal app's service over the program's flags and
// environment; unconfigured, it points to the wizard's key.
func newService(c *common, e env) *app.Service {
	s := app.NewService(c.Options, e.core())
	s.SetUpHint = uic.SetUpHint
	return s
}

var _ uic.Service = (*app.Service)(nil)

// commandEvents is where a command's pipeline events go: the person on
// stderr and the log file in the state directory.
func commandEvents(a *app.App, e env) (pipeline.Sink, func()) {
	p := newProgress(e.stderr)
	log, closeLog := a.EventLog()
	return func(ev pipeline.Event) {
		p.handle(ev)
		log(ev)
	}, closeLog
}

// Formatting shared with the terminal app.
var (
	humanBytes = textfmt.Bytes
	oneLine    = textfmt.OneLine
)

func plural(n int, one, many string) string { return textfmt.Count(n, one, many) }

func excludedText(n int, apiFiltered bool) string { return textfmt.Excluded(n, apiFiltered) }
