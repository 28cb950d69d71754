package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"testing"
)

const (
	benchSources   = 2000
	benchPerSource = 500 // 1,000,000 ids in all
)

// benchSets builds 2,000 data sources of 500 ids each, ids shaped like
// Semgrep's ("sg-" + 32 hex) and in hash order, as a real plan gives them.
func benchSets() []SentSet {
	sets := make([]SentSet, benchSources)
	var n [8]byte
	for s := range sets {
		fids := make([]string, benchPerSource)
		for i := range fids {
			binary.BigEndian.PutUint64(n[:], uint64(s*benchPerSource+i))
			h := sha256.Sum256(n[:])
			fids[i] = "sg-" + hex.EncodeToString(h[:16])
		}
		id := fmt.Sprintf("semgrep:github.com/acme/repo-%04d", s)
		sets[s] = SentSet{Source: DataSource{ID: id, RepoName: fmt.Sprintf("acme/repo-%04d", s), Branch: "main"}, FindingIDs: fids}
	}
	return sets
}

func benchLedger(b *testing.B) (*Ledger, int64) {
	b.Helper()
	ctx := context.Background()
	l, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	if err := l.StartRun(ctx, Run{ID: "bench"}); err != nil {
		b.Fatal(err)
	}
	up, err := l.AddUpload(ctx, Upload{RunID: "bench", Delivered: true, Status: "SUCCESS"})
	if err != nil {
		b.Fatal(err)
	}
	return l, up
}

// BenchmarkCommit1MAcross2000 commits 1,000,000 ids across 2,000 data
// sources in one CommitSent. The first iteration fills an empty ledger;
// later ones replace the same sets (delete + insert), the steady state.
func BenchmarkCommit1MAcross2000(b *testing.B) {
	sets := benchSets()
	l, up := benchLedger(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := l.CommitSent(ctx, up, sets); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeldAll2000 reads back all 2,000 held sets (1,000,000 ids), as
// a plan over every data source does.
func BenchmarkHeldAll2000(b *testing.B) {
	sets := benchSets()
	l, up := benchLedger(b)
	ctx := context.Background()
	if err := l.CommitSent(ctx, up, sets); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dss, err := l.DataSources(ctx)
		if err != nil {
			b.Fatal(err)
		}
		total := 0
		for _, d := range dss {
			h, err := l.Held(ctx, d.ID)
			if err != nil {
				b.Fatal(err)
			}
			total += len(h)
		}
		if total != benchSources*benchPerSource {
			b.Fatalf("read %d ids, want %d", total, benchSources*benchPerSource)
		}
	}
}
