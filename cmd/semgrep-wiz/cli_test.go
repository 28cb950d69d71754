package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// oneLineErr fails unless stderr is exactly one line that mentions each of
// want (and so carries no usage dump or stack trace).
func oneLineErr(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Fatalf("stderr is not one line: %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Fatalf("stderr %q does not mention %q", stderr, w)
		}
	}
}

func TestGlobalFlagsBeforeTheCommand(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	if code, _, stderr := h.run("--no-color", "check"); code != 0 {
		t.Fatalf("--no-color check: exit %d: %s", code, stderr)
	}
	// --state-dir before the command wins over SEMGREP_WIZ_STATE_DIR.
	dir := filepath.Join(h.dir, "elsewhere")
	if code, _, stderr := h.run("--state-dir", dir, "sync", "--dry-run"); code != 0 {
		t.Fatalf("--state-dir DIR sync: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ledger.FileName)); err != nil {
		t.Fatalf("the run was not recorded in --state-dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.vars["SEMGREP_WIZ_STATE_DIR"], ledger.FileName)); err == nil {
		t.Fatal("the run was recorded in SEMGREP_WIZ_STATE_DIR despite --state-dir")
	}
	// The same flag after the command still works.
	code, out, _ := h.run("history", "--state-dir", dir, "--json")
	if code != 0 || !strings.Contains(out, `"dry_run"`) {
		t.Fatalf("history --state-dir DIR: exit %d: %s", code, out)
	}
	// --config before the command: a file that is not YAML is a usage
	// error naming the file.
	bad := filepath.Join(h.dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("wiz: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := h.run("--config", bad, "check")
	if code != 2 || !strings.Contains(stderr, "bad.yaml") {
		t.Fatalf("--config BAD check: exit %d: %s", code, stderr)
	}
}

func TestHelpCommand(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, stderr := h.run("help", "sync")
	if code != 0 || stderr != "" {
		t.Fatalf("help sync: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"semgrep-wiz sync", "--yes", "--dry-run", "--allow-mass-resolve", "--timeout", "--state-dir"} {
		if !strings.Contains(out, want) {
			t.Fatalf("help sync does not mention %s:\n%s", want, out)
		}
	}
	// It is sync's help, not the general one.
	if strings.Contains(out, "--upload") || strings.Contains(out, "Past runs") {
		t.Fatalf("help sync printed more than sync's help:\n%s", out)
	}
	if _, flagHelp, _ := h.run("sync", "--help"); flagHelp != out {
		t.Fatalf("help sync and sync --help differ:\n%s\n---\n%s", out, flagHelp)
	}
	// The general help lists the commands with double-dash flags.
	code, out, _ = h.run("--help")
	if code != 0 || !strings.Contains(out, "history") || !strings.Contains(out, "--state-dir") || !strings.Contains(out, "--no-color") {
		t.Fatalf("--help: exit %d:\n%s", code, out)
	}
	code, _, stderr = h.run("help", "snyc")
	if code != 2 {
		t.Fatalf("help of an unknown command: exit %d", code)
	}
	oneLineErr(t, stderr, `did you mean "sync"`)
}

func TestUnknownCommandSuggests(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"snyc", "--yes"}, `did you mean "sync"`},
		{[]string{"--no-color", "previw"}, `did you mean "preview"`},
		{[]string{"history", "shwo", "RUN"}, `did you mean "history show"`},
		{[]string{"completion", "bsh"}, `did you mean "completion bash"`},
	} {
		code, out, stderr := h.run(c.args...)
		if code != 2 || out != "" {
			t.Fatalf("%v: exit %d, stdout %q", c.args, code, out)
		}
		oneLineErr(t, stderr, c.want)
	}
	if n := len(h.wz.Requests()); n != 0 {
		t.Fatalf("a mistyped command sent %d requests to Wiz", n)
	}
}

func TestBadFlagIsOneLineNamingTheFlag(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"sync", "--yes", "--timeout", "soon"}, "--timeout"},
		{[]string{"sync", "--bogus"}, "--bogus"},
		{[]string{"watch", "--interval"}, "--interval"},
		{[]string{"history", "-n", "many"}, "-n"},
		{[]string{"demo", "--repos", "lots"}, "--repos"},
		{[]string{"--no-color=maybe", "check"}, "--no-color"},
		{[]string{"--state-dir"}, "--state-dir"},
	} {
		code, out, stderr := h.run(c.args...)
		if code != 2 || out != "" {
			t.Fatalf("%v: exit %d, stdout %q", c.args, code, out)
		}
		oneLineErr(t, stderr, c.flag)
	}
	if n := len(h.wz.Requests()); n != 0 {
		t.Fatalf("a bad flag let %d requests reach Wiz", n)
	}
}

func TestCompletionScripts(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	for shell, want := range map[string]string{
		"bash": "bash completion", "zsh": "#compdef semgrep-wiz", "fish": "complete -c semgrep-wiz", "powershell": "Register-ArgumentCompleter",
	} {
		code, out, stderr := h.run("completion", shell)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("completion %s: exit %d, %d bytes, stderr %s", shell, code, len(out), stderr)
		}
	}
	// The completion engine offers the commands.
	code, out, _ := h.run("__complete", "sy")
	if code != 0 || !strings.Contains(out, "sync") {
		t.Fatalf("__complete sy: exit %d: %s", code, out)
	}
}

func TestManPage(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, stderr := h.run("man")
	if code != 0 || !strings.HasPrefix(out, ".TH SEMGREP-WIZ 1") {
		t.Fatalf("man: exit %d, stderr %s, starts %.40q", code, stderr, out)
	}
	for _, want := range []string{".SH OPTIONS", "sync", `\fB--state-dir\fP`} {
		if !strings.Contains(out, want) {
			t.Fatalf("the man page does not mention %s", want)
		}
	}
	// Hidden from the command list.
	if _, help, _ := h.run("--help"); strings.Contains(help, "man page") {
		t.Fatal("the man command shows in the help")
	}
}

func TestVersionFlag(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	code, out, _ := h.run("--version")
	if code != 0 || out != version.String()+"\n" {
		t.Fatalf("--version: exit %d: %q", code, out)
	}
}
