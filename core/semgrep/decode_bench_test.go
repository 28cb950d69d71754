package semgrep

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
)

// BenchmarkDecodeFindingsPage: one full page (3000 findings) of the
// generated scale data, decoded into findings as a sync does: as a stream
// (how the client reads a page, its size known), and whole (the reference the stream is held to,
// the body already in memory).
func BenchmarkDecodeFindingsPage(b *testing.B) {
	ds := semgreptest.GenerateDataset(1, 1, 3000, time.Now())
	ds.OpenAndSevere()
	body, err := json.Marshal(map[string]any{"findings": ds.Projects[0].Findings})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			fs, err := readFindingsPage("listing findings", bytes.NewReader(body), "application/json", "scale-org", "https://semgrep.dev", 3000)
			if err != nil || len(fs) != 3000 {
				b.Fatalf("%d findings, %v", len(fs), err)
			}
		}
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			fs, _, err := decodeFindingsBody("decoding findings page", body, "", "scale-org", "https://semgrep.dev")
			if err != nil || len(fs) != 3000 {
				b.Fatalf("%d findings, %v", len(fs), err)
			}
		}
	})
}
