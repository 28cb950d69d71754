package semgrep

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
)

// BenchmarkDecodeFindingsPage: one full page (3000 findings) of the
// generated scale data, decoded into findings as a sync does.
func BenchmarkDecodeFindingsPage(b *testing.B) {
	ds := semgreptest.GenerateDataset(1, 1, 3000, time.Now())
	ds.OpenAndSevere()
	body, err := json.Marshal(map[string]any{"findings": ds.Projects[0].Findings})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		fs, err := DecodeFindingsPage(bytes.NewReader(body), "scale-org", "https://semgrep.dev")
		if err != nil || len(fs) != 3000 {
			b.Fatalf("%d findings, %v", len(fs), err)
		}
	}
}
