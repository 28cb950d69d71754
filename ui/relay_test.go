package ui

import (
	stdsync "sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/sync"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

func TestRelayCoalescesProgressAndDeliversStepsInOrder(t *testing.T) {
	var mu stdsync.Mutex
	var got []sync.Event
	r := &Relay{}
	r.AttachFunc(func(m tea.Msg) {
		mu.Lock()
		got = append(got, m.(common.EventMsg).Event)
		mu.Unlock()
	})
	defer r.Stop()
	r.Push(sync.Event{Kind: sync.StepStarted, Step: sync.StepUpload})
	for i := int64(1); i <= 10000; i++ {
		r.Push(sync.Event{Kind: sync.BytesSent, Done: i, Total: 10000})
	}
	r.Push(sync.Event{Kind: sync.StepFinished, Step: sync.StepUpload})
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 10 {
		t.Fatalf("%d events delivered for 10,002 pushed: progress not coalesced", len(got))
	}
	if got[0].Kind != sync.StepStarted || got[len(got)-1].Kind != sync.StepFinished {
		t.Fatalf("order: %v … %v", got[0].Kind, got[len(got)-1].Kind)
	}
	last := got[len(got)-2]
	if last.Kind != sync.BytesSent || last.Done != 10000 {
		t.Fatalf("the latest progress was not delivered before the finish: %+v", last)
	}
}
