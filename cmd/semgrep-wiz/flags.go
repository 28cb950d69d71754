package main

import (
	"github.com/spf13/pflag"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/app"
)

// common holds the flags every command takes. They are persistent flags
// of the root command, so they work before the command name as well as
// after it (semgrep-wiz --no-color check). Those that loading reads are
// core/app's Options.
type common struct {
	app.Options
	noColor bool
}

// register adds the common flags to fs.
func (c *common) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.ConfigFile, config.FlagConfig, "", "config file (default $XDG_CONFIG_HOME/semgrep-wiz/config.yaml; env SEMGREP_WIZ_CONFIG)")
	fs.StringVar(&c.StateDir, config.FlagStateDir, "", "state directory (default $XDG_STATE_HOME/semgrep-wiz; env SEMGREP_WIZ_STATE_DIR)")
	// StringArray, not StringSlice: a path may hold a comma.
	fs.StringArrayVar(&c.From, "from", nil, "read findings from a semgrep --json or --sarif file instead of the API (repeatable)")
	fs.StringVar(&c.RepoURL, "repo-url", "", "with --from: the repository's URL (else SEMGREP_REPO_URL or the CI's variables)")
	fs.StringVar(&c.RepoName, "repo-name", "", "with --from: the repository's name, owner/repo (default: from the URL)")
	fs.StringVar(&c.Branch, "branch", "", "with --from: the branch that was scanned (else SEMGREP_BRANCH or the CI's variables)")
	fs.StringVar(&c.Commit, "commit", "", "with --from: the commit that was scanned (else SEMGREP_COMMIT or the CI's variables)")
	fs.StringVar(&c.RepoRoot, "repo-root", "", "with --from: the checkout the scan ran in; paths below it become repository-relative (default: the CI workspace, else the git top level)")
	fs.BoolVar(&c.AllowScanErrors, "allow-scan-errors", false, "with --from: send a file's repository even though Semgrep reports that its scan failed")
	fs.BoolVar(&c.noColor, "no-color", false, "no colour in output (also NO_COLOR)")
	fs.StringVar(&c.WizAPIEndpoint, config.FlagWizAPIEndpoint, "", "Wiz API endpoint URL (env WIZ_API_ENDPOINT)")
	fs.StringVar(&c.WizAuthURL, config.FlagWizAuthURL, "", "Wiz authentication URL (env WIZ_AUTH_URL)")
	fs.StringVar(&c.WizClientID, config.FlagWizClientID, "", "Wiz client id (env WIZ_CLIENT_ID; the secret only from WIZ_CLIENT_SECRET or the keyring)")
	fs.StringVar(&c.SemgrepAPIURL, config.FlagSemgrepAPIURL, "", "Semgrep API URL (env SEMGREP_API_URL)")
	fs.StringVar(&c.SemgrepDeployment, config.FlagSemgrepDeployment, "", "Semgrep deployment slug (env SEMGREP_DEPLOYMENT)")
}
