// Package version holds the build's version, commit and date. Release
// builds set them with -ldflags "-X <this package path>.Version=…".
package version

import (
	"fmt"
	"runtime/debug"
)

var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// UserAgent is sent on every HTTP request.
func UserAgent() string { return "semgrep-wiz/" + Version }

// String is the one-line text of `semgrep-wiz version`.
func String() string {
	commit, date := Commit, Date
	if commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					commit = s.Value
				case "vcs.time":
					if date == "" {
						date = s.Value
					}
				}
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return fmt.Sprintf("semgrep-wiz %s (commit %s, built %s)", Version, commit, date)
}
