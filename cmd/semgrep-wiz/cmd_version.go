package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/semgrep-wiz/semgrep-wiz/core/version"
)

func cmdVersion(args []string, e env) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintln(e.stdout, version.String())
	return nil
}
