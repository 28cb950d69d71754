package wizschema

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func benchmarkEncode(b *testing.B, nSources, perSource int) {
	sources := testSources(nSources, perSource)
	total := nSources * perSource
	o := Options{AnalysisDate: testDate}
	var stats EncodeStats
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		var err error
		stats, err = encodeSources(context.Background(), io.Discard, o, sources)
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.SetBytes(stats.Bytes)
	b.ReportMetric(float64(total)*float64(b.N)/elapsed.Seconds(), "findings/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/float64(total), "ns/finding")
}

// BenchmarkEncode100k: 100,000 findings across 50 data sources.
func BenchmarkEncode100k(b *testing.B) { benchmarkEncode(b, 50, 2000) }

// BenchmarkEncode1M runs only when -bench names it explicitly: it holds a
// million findings in memory.
func BenchmarkEncode1M(b *testing.B) {
	if f := flag.Lookup("test.bench"); f == nil || !strings.Contains(f.Value.String(), "1M") {
		b.Skip("run with -bench Encode1M")
	}
	benchmarkEncode(b, 500, 2000)
}

// The two benchmarks below justify the hand-written finding checks: the
// generic validator on one encoded finding against the cost of checkFinding.
func BenchmarkValidateFindingSchema(b *testing.B) {
	f := testFinding(testRepo(1), "main", true, 1)
	sf := MapFinding(&f)
	e, _ := NewEncoder(io.Discard, Options{})
	js, err := e.marshal(&sf)
	if err != nil {
		b.Fatal(err)
	}
	js = append([]byte(nil), js...)
	b.ReportAllocs()
	for b.Loop() {
		if err := validateJSON("/$defs/sastFinding", js); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateFindingHand(b *testing.B) {
	f := testFinding(testRepo(1), "main", true, 1)
	sf := MapFinding(&f)
	b.ReportAllocs()
	for b.Loop() {
		if err := checkFinding(&sf); err != nil {
			b.Fatal(err)
		}
	}
}
