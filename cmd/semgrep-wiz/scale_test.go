package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The scale demo runs the stand-ins in a child process, syncs every
// generated finding and reports the numbers the performance notes quote.
func TestScaleDemoReportsItsNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and generates a dataset")
	}
	cmd := exec.Command(binary(t), "demo", "--headless", "--repos", "30", "--findings", "7000",
		"--latency", "5ms", "--dry-run", "--baseline")
	cmd.Env = []string{"HOME=" + t.TempDir(), "NO_COLOR=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	m := regexp.MustCompile(`sync dry_run: (\d+) findings read and (\d+) in the upload file .* peak RSS [0-9.]+ [KMG]i?B`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no sync line:\n%s", s)
	}
	if read, _ := strconv.Atoi(m[1]); read != 7000 {
		t.Errorf("read %d findings of the 7000 generated", read)
	}
	if sent, _ := strconv.Atoi(m[2]); sent == 0 || sent > 7000 {
		t.Errorf("sent %d", sent)
	}
	// 1 deployments + 1 projects page + 1 scan search across the deployment
	// + 30 findings pages at least.
	r := regexp.MustCompile(`(\d+) Semgrep requests at 5ms each`).FindStringSubmatch(s)
	if r == nil {
		t.Fatalf("no request count:\n%s", s)
	}
	if n, _ := strconv.Atoi(r[1]); n < 33 {
		t.Errorf("%d Semgrep requests for 30 repositories", n)
	}
	if !strings.Contains(s, "bare encoding/json decode and re-encode of the same") || !strings.Contains(s, "(7000 findings)") {
		t.Errorf("no baseline over the same findings:\n%s", s)
	}
	if strings.Contains(s, demoClientSecret) {
		t.Error("the scale run printed the Wiz client secret")
	}
}
