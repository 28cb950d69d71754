package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/fang/v2"
	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/semgrep-wiz/semgrep-wiz/core/version"
)

// cli is one invocation of the program: the common flags and whether a
// command's own code has started. An error before that (a bad flag, an
// unknown command, a wrong argument count) is bad usage: exit status 2.
type cli struct {
	e    env
	c    common
	args []string
	ran  bool
}

const rootLong = `semgrep-wiz sends Semgrep Code (SAST) findings to Wiz.

Without a command, on a terminal, it opens the terminal app (the setup wizard first if nothing is configured). The headless commands print progress on stderr and, with --json, one JSON document on stdout. Exit status: 0 on success, 1 when the job failed, 2 on bad usage or configuration.

The common flags (--config, --state-dir, --from, --no-color, ...) go before or after the command.`

const rootExample = `# the terminal app (the setup wizard first if nothing is configured)
semgrep-wiz
# headless, as in CI
semgrep-wiz check --json
semgrep-wiz preview --all
semgrep-wiz sync --yes --json
semgrep-wiz --state-dir /var/lib/semgrep-wiz sync --dry-run --out ./upload
# without an account: local stand-ins of Semgrep and Wiz
semgrep-wiz demo --headless`

// action wraps a command's job: it marks that the command's own code
// runs, so its errors are classified by type (usageError, jobFailed).
func (cl *cli) action(f func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cl.ran = true
		return f(cmd.Context(), args)
	}
}

// Commands are listed in the order a person uses them, not sorted. (A
// cobra package setting: set once, as tests run commands concurrently.)
func init() { cobra.EnableCommandSorting = false }

// root builds the command tree.
func (cl *cli) root() *cobra.Command {
	root := &cobra.Command{
		Use:     "semgrep-wiz",
		Short:   "Send Semgrep Code findings to Wiz",
		Long:    rootLong,
		Example: rootExample,
		Args:    unknownCommand,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return runTUI(ctx, &cl.c, cl.e, "")
		}),
	}
	cl.c.register(root.PersistentFlags())
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml")
	_ = root.MarkPersistentFlagDirname("state-dir")
	_ = root.MarkPersistentFlagFilename("from", "json", "sarif")
	root.SetFlagErrorFunc(cl.flagError)
	root.SetVersionTemplate(version.String() + "\n")
	root.AddCommand(cl.setupCmd(), cl.checkCmd(), cl.previewCmd(), cl.syncCmd(), cl.historyCmd(),
		cl.watchCmd(), cl.statusCmd(), cl.demoCmd(), cl.versionCmd(), manCmd())
	root.SetHelpCommand(helpCmd())
	return root
}

// initCompletion creates cobra's `completion` command now (cobra would
// on Execute) so that an unknown shell is a usage error with a suggestion,
// not the command's help with exit status 0. The scripts go to the root's
// output as it is at this point.
func initCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	if comp, _, err := root.Find([]string{"completion"}); err == nil && comp != root {
		comp.Args = unknownCommand
		comp.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
}

// execute runs the command tree on args with fang (styled help, --version,
// completions) and returns the error of the command, printed by the caller.
func (cl *cli) execute(ctx context.Context, args []string) error {
	root := cl.root()
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	cl.args = args
	root.SetIn(cl.e.stdin)
	out := cl.e.stdout
	if wantsNoColor(args, cl.e.getenv) {
		// fang styles help for a terminal; a writer that is not a file is
		// never one, so the help comes out plain.
		out = plainWriter{out}
	}
	root.SetOut(out)
	root.SetErr(cl.e.stderr)
	initCompletion(root)
	return fang.Execute(ctx, root,
		fang.WithVersion(version.Version),
		fang.WithoutManpage(), // ours writes to the command's output, see manCmd
		// Errors are printed by exitCode, on one line, with the exit status
		// that goes with them.
		fang.WithErrorHandler(func(io.Writer, fang.Styles, error) {}),
	)
}

type plainWriter struct{ io.Writer }

// wantsNoColor reports --no-color among the flags or NO_COLOR in the
// environment, before cobra parses anything (help is printed from there).
func wantsNoColor(args []string, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return true
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--no-color", "--no-color=true", "--no-color=1":
			return true
		}
	}
	return false
}

// flagError makes a flag parsing error a usage error that names the
// command and where its flags are listed. When a command that has
// subcommands got a word that is none of them, that word is the mistake
// (`semgrep-wiz snyc --yes`): say so rather than blame the flag.
func (cl *cli) flagError(cmd *cobra.Command, err error) error {
	if cmd.HasAvailableSubCommands() {
		words := positional(cmd.Flags(), cl.args)
		if depth := len(strings.Fields(subPath(cmd))); len(words) > depth {
			if uerr := unknownCommand(cmd, words[depth:]); uerr != nil {
				return uerr
			}
		}
	}
	if p := subPath(cmd); p != "" {
		return usagef("%s: %v (see '%s --help')", p, err, cmd.CommandPath())
	}
	return usagef("%v (see '%s --help')", err, cmd.CommandPath())
}

// positional is args without the flags and their values, as far as fs
// knows them.
func positional(fs *pflag.FlagSet, args []string) []string {
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		var f *pflag.Flag
		switch {
		case a == "--":
			return append(words, args[i+1:]...)
		case strings.HasPrefix(a, "--"):
			if strings.Contains(a, "=") {
				continue
			}
			f = fs.Lookup(a[2:])
		case strings.HasPrefix(a, "-") && len(a) == 2:
			f = fs.ShorthandLookup(a[1:])
		case strings.HasPrefix(a, "-"):
			continue
		default:
			words = append(words, a)
			continue
		}
		if f != nil && f.NoOptDefVal == "" {
			i++ // the flag's value
		}
	}
	return words
}

// subPath is the command's path without the program name ("history show").
func subPath(cmd *cobra.Command) string {
	return strings.TrimSpace(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()))
}

// unknownCommand rejects a word after a command that takes none: for the
// root and for history it is a mistyped command, so the closest one is
// suggested.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	what := "unknown command"
	if cmd.HasParent() {
		what = subPath(cmd) + ": unknown subcommand"
	}
	return usagef("%s %q%s (see '%s --help')", what, args[0], suggest(cmd, args[0]), cmd.CommandPath())
}

// suggest is ": did you mean "sync"?" when a subcommand of cmd is close to
// word (a typo or a prefix), else "".
func suggest(cmd *cobra.Command, word string) string {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	s := cmd.SuggestionsFor(word)
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf(": did you mean %q?", strings.TrimSpace(subPath(cmd)+" "+s[0]))
}

// noArgs is for commands that take flags only.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q (see '%s --help')", subPath(cmd), args[0], cmd.CommandPath())
	}
	return nil
}

// helpCmd is `help [command]`. Unlike cobra's own, an unknown command is an
// error with a suggestion (exit status 2), not the general help.
func helpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && sub != c && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				msg := fmt.Sprintf("help: no command %q", strings.Join(args, " "))
				if cmd != nil && len(rest) > 0 {
					msg += suggest(cmd, rest[0])
				}
				return usagef("%s (see 'semgrep-wiz help')", msg)
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// manCmd prints the man page (roff) on stdout; packaging runs
// `semgrep-wiz man > semgrep-wiz.1`.
func manCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "man",
		Short:  "Print the man page (roff) on stdout",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := mcobra.NewManPage(1, cmd.Root())
			if err != nil {
				return fmt.Errorf("building the man page: %w", err)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), page.Build(roff.NewDocument()))
			return err
		},
	}
}

func (cl *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  noArgs,
		RunE: cl.action(func(context.Context, []string) error {
			_, err := fmt.Fprintln(cl.e.stdout, version.String())
			return err
		}),
	}
}

func (cl *cli) setupCmd() *cobra.Command {
	var accessible bool
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "The setup wizard alone",
		Long:  "The setup wizard alone: in the terminal app, or as plain prompts with --accessible (screen readers, TERM=dumb).",
		Args:  noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return cmdSetup(ctx, &cl.c, accessible, cl.e)
		}),
	}
	cmd.Flags().BoolVar(&accessible, "accessible", false, "plain prompts instead of the full-screen form (also ACCESSIBLE=1 or TERM=dumb)")
	return cmd
}

func (cl *cli) checkCmd() *cobra.Command {
	var o checkOpts
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Test the connection to Wiz and Semgrep",
		Long: "Test the connection: the Wiz token, the endpoint and data-center match, each Wiz permission " +
			"(the upload permission with --upload), the Semgrep token and deployment. Exit status 1 when a check fails.",
		Args: noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return cmdCheck(ctx, &cl.c, o, cl.e)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print one JSON document on stdout")
	f.BoolVar(&o.upload, "upload", false, "also test create:external_data_ingestion (allocates an upload slot in Wiz; nothing is uploaded)")
	return cmd
}

func (cl *cli) previewCmd() *cobra.Command {
	var o previewOpts
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Show what would be sent",
		Long:  "Show what a sync would send: new, unchanged and to-be-fixed findings per repository, and with --all the excluded ones with their reasons. Nothing is sent.",
		Args:  noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return cmdPreview(ctx, &cl.c, o, cl.e)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print one JSON document on stdout")
	f.BoolVar(&o.csv, "csv", false, "print one CSV row per finding on stdout")
	f.BoolVar(&o.all, "all", false, "include excluded findings, each with its reason")
	return cmd
}

func (cl *cli) syncCmd() *cobra.Command {
	o := defaultSyncOpts()
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Run one sync",
		Long: "Run one sync: read the findings, apply the policy, upload to Wiz and wait for Wiz to process the upload. " +
			"It asks for confirmation on a terminal; elsewhere pass --yes. --dry-run writes the upload file and contacts no Wiz endpoint.",
		Example: `semgrep-wiz sync --yes --json
semgrep-wiz sync --dry-run --out ./upload
semgrep-wiz sync --yes --from semgrep.json --repo-url https://github.com/acme/api --branch main`,
		Args: noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return cmdSync(ctx, &cl.c, o, cl.e)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation (needed when not run interactively)")
	f.BoolVar(&o.dryRun, "dry-run", false, "write the upload file and contact no Wiz endpoint")
	f.StringVar(&o.out, "out", "", "keep the upload file in this directory")
	f.BoolVar(&o.json, "json", false, "print one JSON document on stdout")
	f.BoolVar(&o.allowMass, "allow-mass-resolve", false, "upload even when it would mark a large share of what Wiz holds fixed")
	f.DurationVar(&o.timeout, "timeout", o.timeout, "give up the whole sync after this long (0: no limit)")
	f.StringVar(&o.logFormat, "log-format", "", "log events on stderr as text or json lines instead of the human progress")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

func (cl *cli) historyCmd() *cobra.Command {
	o := historyOpts{n: 20}
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Past runs",
		Long:  "Past runs, newest first; 'history show RUN' for one run's steps and uploads, 'history refresh RUN' to ask Wiz again about a pending upload.",
		Args:  unknownCommand,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return historyList(ctx, &cl.c, o, cl.e)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print one JSON document on stdout")
	f.IntVarP(&o.n, "limit", "n", o.n, "how many runs, newest first")

	var showJSON bool
	show := &cobra.Command{
		Use:   "show RUN",
		Short: "One run's details: steps, uploads, what Wiz said",
		Long:  "One run's details: steps, uploads, what Wiz said. RUN is a run id or an unambiguous prefix of one.",
		Args:  runArg,
		RunE: cl.action(func(ctx context.Context, args []string) error {
			return historyShow(ctx, &cl.c, args[0], showJSON, cl.e)
		}),
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print one JSON document on stdout")
	refresh := &cobra.Command{
		Use:   "refresh RUN",
		Short: "Ask Wiz again about a run's uploads",
		Long:  "Ask Wiz again about a run's uploads (a run that ended before Wiz finished processing) and record the answer.",
		Args:  runArg,
		RunE: cl.action(func(ctx context.Context, args []string) error {
			return historyRefresh(ctx, &cl.c, args[0], cl.e)
		}),
	}
	cmd.AddCommand(show, refresh)
	return cmd
}

// runArg wants exactly one run id.
func runArg(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return usagef("%s needs a run id (see 'semgrep-wiz history')", subPath(cmd))
	case 1:
		return nil
	}
	return usagef("%s takes one run id, got %d arguments", subPath(cmd), len(args))
}

func (cl *cli) watchCmd() *cobra.Command {
	var o watchOpts
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Stay running: sync after each new full scan, re-send daily",
		Long: "Stay running: sync a repository after each new successful full scan of its default branch, " +
			"and re-send every data source at least daily so Wiz keeps its findings. Stops on SIGINT or SIGTERM.",
		Args: noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return cmdWatch(ctx, &cl.c, o, cl.e)
		}),
	}
	f := cmd.Flags()
	f.DurationVar(&o.interval, "interval", 0, "how often to look for new full scans (default: watch.interval in the config, 10m)")
	f.DurationVar(&o.refresh, "refresh-after", 0, "re-send every data source at least this often (default: watch.refresh_after, 24h)")
	f.StringVar(&o.listen, "listen", "", "serve /metrics (Prometheus), /healthz and /status at HOST:PORT, e.g. 127.0.0.1:9464 (default: off)")
	f.StringVar(&o.logFormat, "log-format", "", "log lines on stderr as text or json (default: json when stderr is not a terminal)")
	return cmd
}

func (cl *cli) demoCmd() *cobra.Command {
	var o demoOpts
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run against built-in local stand-ins of Semgrep and Wiz",
		Long: "The whole app against local stand-ins of Semgrep and Wiz with built-in sample data: no account needed, nothing leaves the machine. " +
			"--headless runs check, preview, sync and history as plain output. --repos N --findings M generate a large dataset (scale runs); " +
			"--serve only starts the stand-ins and prints the environment that points semgrep-wiz at them.",
		Example: `semgrep-wiz demo
semgrep-wiz demo --headless
semgrep-wiz demo --headless --repos 200 --findings 100000 --latency 50ms
semgrep-wiz demo --headless --repos 1 --findings 300000 --spread mono --dry-run`,
		Args: noArgs,
		RunE: cl.action(func(ctx context.Context, _ []string) error {
			return cmdDemo(ctx, &cl.c, o, cl.e)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.headless, "headless", false, "run check, preview, sync and history as plain output instead of the full-screen app")
	f.IntVar(&o.repos, "repos", 0, "generate this many repositories instead of the sample data (scale runs)")
	f.IntVar(&o.findings, "findings", 0, "with --repos: this many findings across them")
	f.DurationVar(&o.latency, "latency", 0, "add this latency to every Semgrep stand-in request (e.g. 50ms)")
	f.BoolVar(&o.dryRun, "dry-run", false, "with --repos: write the upload file instead of uploading")
	f.BoolVar(&o.baseline, "baseline", false, "with --repos: afterwards, run a bare encoding/json client over the same findings pages in a process of its own and print the ratios")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "with --repos: write a CPU profile of the sync (with --serve: of the stand-ins) to this file (go tool pprof)")
	f.StringVar(&o.spread, "spread", "zipf", "with --repos: how findings spread over the repositories: zipf (skewed, as in real organisations), even, or mono (all in one repository)")
	f.BoolVar(&o.serve, "serve", false, "only start the stand-ins, print the environment that points semgrep-wiz at them, and serve until interrupted")
	// The scale runs' yardstick, started by --baseline as a process of its own.
	f.BoolVar(&o.bareClient, "bare-client", false, "read every findings page from the stand-ins in the environment as a bare encoding/json client and print what it measured")
	_ = f.MarkHidden("bare-client")
	return cmd
}

// defaultSyncOpts are sync's flag defaults (demo and scale runs start
// from them too).
func defaultSyncOpts() syncOpts { return syncOpts{timeout: 2 * time.Hour} }
