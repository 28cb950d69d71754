package sync

import (
	"context"
	"testing"
	"time"
)

func TestScratchPut(t *testing.T) {
	for i := 0; i < 6; i++ {
		t.Run("r", func(t *testing.T) {
			t.Parallel()
			m := newMxRig(t, false)
			o := m.options(t)
			start := time.Now()
			res, err := Run(context.Background(), o)
			reqs := m.wz.Requests()
			for i := 1; i < len(reqs); i++ {
				t.Logf("%s %d %v", reqs[i].Op, reqs[i].Status, reqs[i].At.Sub(reqs[i-1].At))
			}
			t.Logf("%s %v %v bytes %d", res.Status, err, time.Since(start), res.Uploads[0].Bytes)
		})
	}
}
