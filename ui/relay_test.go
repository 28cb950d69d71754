package ui

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

func TestRelayCoalescesProgressAndDeliversStepsInOrder(t *testing.T) {
	var mu sync.Mutex
	var got []pipeline.Event
	r := &Relay{}
	r.AttachFunc(func(m tea.Msg) {
		mu.Lock()
		got = append(got, m.(common.EventMsg).Event)
		mu.Unlock()
	})
	defer r.Stop()
	r.Push(pipeline.Event{Kind: pipeline.StepStarted, Step: pipeline.StepUpload})
	for i := int64(1); i <= 10000; i++ {
		r.Push(pipeline.Event{Kind: pipeline.BytesSent, Done: i, Total: 10000})
	}
	r.Push(pipeline.Event{Kind: pipeline.StepFinished, Step: pipeline.StepUpload})
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 10 {
		t.Fatalf("%d events delivered for 10,002 pushed: progress not coalesced", len(got))
	}
	if got[0].Kind != pipeline.StepStarted || got[len(got)-1].Kind != pipeline.StepFinished {
		t.Fatalf("order: %v … %v", got[0].Kind, got[len(got)-1].Kind)
	}
	last := got[len(got)-2]
	if last.Kind != pipeline.BytesSent || last.Done != 10000 {
		t.Fatalf("the latest progress was not delivered before the finish: %+v", last)
	}
}
