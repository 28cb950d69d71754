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
	// The bare client, a process of its own, reads the same 7000 findings
	// with one projects page and at least one findings page per repository.
	b := regexp.MustCompile(`bare client \(encoding/json, 8 repositories at once, its own process\): (\d+) findings in (\d+) pages, (\d+) requests`).FindStringSubmatch(s)
	if b == nil {
		t.Fatalf("no bare client line:\n%s", s)
	}
	if n, _ := strconv.Atoi(b[1]); n != 7000 {
		t.Errorf("the bare client read %d findings of the 7000 generated", n)
	}
	if pages, _ := strconv.Atoi(b[2]); pages < 30 {
		t.Errorf("the bare client read %d pages for 30 repositories", pages)
	}
	if !regexp.MustCompile(`the sync against the bare client: [0-9.]+× its time, [0-9.]+× its requests \(\d+\), [0-9.]+× its peak RSS`).MatchString(s) {
		t.Errorf("no ratios against the bare client:\n%s", s)
	}
	if strings.Contains(s, demoClientSecret) {
		t.Error("the scale run printed the Wiz client secret")
	}
}
