package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The scale numbers of core/PERFORMANCE.md as Go benchmarks: each runs the
// real binary's scale demo (stand-ins in their own process) once per
// iteration and reports what it printed. The size comes from
// SEMGREP_WIZ_BENCH_REPOS and SEMGREP_WIZ_BENCH_FINDINGS (default 200 and
// 50,000; the notes use 2,000 and 1,000,000):
//
//	SEMGREP_WIZ_BENCH_REPOS=2000 SEMGREP_WIZ_BENCH_FINDINGS=1000000 \
//	  go test -run '^$' -bench ScaleDryRun -benchtime 1x ./cmd/semgrep-wiz/

func benchSize(b *testing.B) (string, string) {
	repos, findings := os.Getenv("SEMGREP_WIZ_BENCH_REPOS"), os.Getenv("SEMGREP_WIZ_BENCH_FINDINGS")
	if repos == "" {
		repos = "200"
	}
	if findings == "" {
		findings = "50000"
	}
	return repos, findings
}

func scaleRunOutput(b *testing.B, args ...string) string {
	b.Helper()
	bin := binary(b)
	cmd := exec.Command(bin, append([]string{"demo", "--headless"}, args...)...)
	cmd.Env = []string{"HOME=" + b.TempDir(), "NO_COLOR=1"}
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

var (
	reSyncLine = regexp.MustCompile(`in (\S+) — (\d+) findings per second; CPU (\S+); peak RSS ([0-9.]+) ([KMG])i?B`)
	reRatio    = regexp.MustCompile(`the sync against the bare client: ([0-9.]+)× its time, ([0-9.]+)× its requests \(\d+\), ([0-9.]+)× its peak RSS`)
	reFaster   = regexp.MustCompile(`\(([0-9.]+)× faster\)`)
)

func reportSync(b *testing.B, out string) {
	m := reSyncLine.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no sync line:\n%s", out)
	}
	wall, _ := time.ParseDuration(m[1])
	cpu, _ := time.ParseDuration(m[3])
	perSec, _ := strconv.ParseFloat(m[2], 64)
	rss, _ := strconv.ParseFloat(m[4], 64)
	rss *= map[string]float64{"K": 1.0 / 1024, "M": 1, "G": 1024}[m[5]]
	b.ReportMetric(wall.Seconds(), "sync-s")
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(perSec, "findings/s")
	b.ReportMetric(rss, "peak-RSS-MiB")
}

// BenchmarkScaleDryRun: wall, CPU, findings per second and peak RSS of a
// dry-run sync, and its time, requests and peak RSS over a bare
// encoding/json client's reading the same pages (ratios). The spread comes
// from SEMGREP_WIZ_BENCH_SPREAD (zipf, even, mono; default zipf).
func BenchmarkScaleDryRun(b *testing.B) {
	repos, findings := benchSize(b)
	for b.Loop() {
		out := scaleRunOutput(b, "--repos", repos, "--findings", findings, "--spread", benchSpread(), "--dry-run", "--baseline")
		reportSync(b, out)
		reportBare(b, out)
	}
}

// BenchmarkScaleLatency: 200,000 findings (SEMGREP_WIZ_BENCH_FINDINGS) in
// 200 repositories with 50 ms per Semgrep request, against the time the
// same requests take one after another (x-faster).
func BenchmarkScaleLatency(b *testing.B) {
	findings := os.Getenv("SEMGREP_WIZ_BENCH_FINDINGS")
	if findings == "" {
		findings = "200000"
	}
	for b.Loop() {
		out := scaleRunOutput(b, "--repos", "200", "--findings", findings, "--latency", "50ms", "--dry-run", "--baseline")
		reportSync(b, out)
		reportBare(b, out)
		m := reFaster.FindStringSubmatch(out)
		if m == nil {
			b.Fatalf("no request line:\n%s", out)
		}
		x, _ := strconv.ParseFloat(m[1], 64)
		b.ReportMetric(x, "x-faster")
	}
}

func benchSpread() string {
	if s := os.Getenv("SEMGREP_WIZ_BENCH_SPREAD"); s != "" {
		return s
	}
	return "zipf"
}

// reportBare reports the sync's time, requests and peak RSS over the bare
// client's.
func reportBare(b *testing.B, out string) {
	m := reRatio.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no baseline line:\n%s", out)
	}
	for i, unit := range []string{"x-bare-time", "x-bare-requests", "x-bare-rss"} {
		r, _ := strconv.ParseFloat(m[i+1], 64)
		b.ReportMetric(r, unit)
	}
}

// BenchmarkVersionColdStart: one process start of `semgrep-wiz version`.
func BenchmarkVersionColdStart(b *testing.B) {
	bin := binary(b)
	for b.Loop() {
		out, err := exec.Command(bin, "version").Output()
		if err != nil || !strings.HasPrefix(string(out), "semgrep-wiz ") {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
