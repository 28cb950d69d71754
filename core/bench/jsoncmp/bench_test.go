package jsoncmp

import (
	"bytes"
	"encoding/json"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// Every benchmark operation covers the whole load: 60,000 findings (20
// pages of 3000 to decode, or 60,000 SASTFindings to encode). ns/op is
// therefore the time for 60,000 findings; ns/finding is reported too.
//
// The machine is shared, so wall time (ns/op) moves with the load of other
// processes; cpu-ns/op (user+system CPU time of this process, GC included,
// per op) moves much less and is the cross-check.

// loop runs op under b.Loop and reports ns/finding and cpu-ns/op.
func loop(b *testing.B, op func()) {
	b.ReportAllocs()
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		op()
	}
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(wall.Nanoseconds())/float64(b.N)/nFindings, "ns/finding")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user+system CPU time used by this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode unmarshals each page into the plain mirror of apiFinding.
func BenchmarkDecode(b *testing.B) {
	l := getLoad(b)
	for _, c := range codecs() {
		b.Run(c.name, func(b *testing.B) {
			var warm page // fills the libraries' type caches (sonic compiles here)
			if err := c.unmarshal(l.pages[0], &warm); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(l.pageBytes)
			loop(b, func() {
				for _, body := range l.pages {
					var p page
					if err := c.unmarshal(body, &p); err != nil {
						b.Fatal(err)
					}
					if len(p.Findings) != pageSize {
						b.Fatalf("%d findings", len(p.Findings))
					}
				}
			})
		})
	}
}

// BenchmarkDecodeOurs splits the cost of our real decoder: std on the plain
// mirror in one pass (as BenchmarkDecode/std), std in our decoder's two
// passes (envelope of RawMessages, then each finding) still on plain types,
// and semgrep.DecodeFindingsPage itself (two passes, flex types, mapping to
// finding.Finding).
func BenchmarkDecodeOurs(b *testing.B) {
	l := getLoad(b)
	b.Run("plain-1pass", func(b *testing.B) {
		b.SetBytes(l.pageBytes)
		loop(b, func() {
			for _, body := range l.pages {
				var p page
				if err := json.Unmarshal(body, &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("plain-2pass", func(b *testing.B) {
		b.SetBytes(l.pageBytes)
		loop(b, func() {
			for _, body := range l.pages {
				var rp rawPage
				if err := json.Unmarshal(body, &rp); err != nil {
					b.Fatal(err)
				}
				out := make([]pageFinding, len(rp.Findings))
				for i, raw := range rp.Findings {
					if err := json.Unmarshal(raw, &out[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	})
	b.Run("DecodeFindingsPage", func(b *testing.B) {
		b.SetBytes(l.pageBytes)
		loop(b, func() {
			for _, body := range l.pages {
				fs, err := semgrep.DecodeFindingsPage(bytes.NewReader(body), slug, webBase)
				if err != nil {
					b.Fatal(err)
				}
				if len(fs) != pageSize {
					b.Fatalf("%d findings", len(fs))
				}
			}
		})
	})
}

// BenchmarkEncodeEach marshals the SASTFindings one at a time into a kept
// buffer: the pattern of wizschema.Encoder.
func BenchmarkEncodeEach(b *testing.B) {
	l := getLoad(b)
	for _, c := range codecs() {
		b.Run(c.name, func(b *testing.B) {
			m := c.newMarshaler()
			var size int64
			for i := range l.sast { // warm-up, and this library's output size
				out, err := m(&l.sast[i])
				if err != nil {
					b.Fatal(err)
				}
				size += int64(len(out))
			}
			b.SetBytes(size)
			loop(b, func() {
				for i := range l.sast {
					if _, err := m(&l.sast[i]); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkEncodeSlice marshals the whole []SASTFinding in one call.
func BenchmarkEncodeSlice(b *testing.B) {
	l := getLoad(b)
	for _, c := range codecs() {
		b.Run(c.name, func(b *testing.B) {
			m := c.newMarshaler()
			out, err := m(l.sast)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
			loop(b, func() {
				if _, err := m(l.sast); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

var analysisDate = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// encodeOurs writes the whole document with our real encoder: per finding
// the mapping, the schema checks, the duplicate-id check and the
// encoding/json marshal, plus one generic-validator run per asset.
func encodeOurs(w io.Writer, sources []wizschema.SourceInput) (wizschema.EncodeStats, error) {
	e, err := wizschema.NewEncoder(w, wizschema.Options{AnalysisDate: analysisDate})
	if err != nil {
		return wizschema.EncodeStats{}, err
	}
	for _, s := range sources {
		if err := e.BeginDataSource(s.ID); err != nil {
			return e.Stats(), err
		}
		for _, a := range s.Assets {
			if err := e.WriteAsset(a.Asset, a.Findings); err != nil {
				return e.Stats(), err
			}
		}
		if err := e.EndDataSource(); err != nil {
			return e.Stats(), err
		}
	}
	err = e.Close()
	return e.Stats(), err
}

// BenchmarkEncodeOurs is wizschema.Encoder end to end into io.Discard.
func BenchmarkEncodeOurs(b *testing.B) {
	l := getLoad(b)
	stats, err := encodeOurs(io.Discard, l.sources)
	if err != nil {
		b.Fatal(err)
	}
	if stats.Findings != nFindings {
		b.Fatalf("%d findings encoded", stats.Findings)
	}
	b.SetBytes(stats.Bytes)
	loop(b, func() {
		if _, err := encodeOurs(io.Discard, l.sources); err != nil {
			b.Fatal(err)
		}
	})
}
