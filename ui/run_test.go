package ui

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// runUntil runs the app with no terminal and calls stop once the program
// handles its first message (which change may replace); it returns what
// Run returned.
func runUntil(t *testing.T, ctx context.Context, stop func(), change func(tea.Msg) tea.Msg) error {
	t.Helper()
	in, inW := io.Pipe() // input that never ends, as a terminal's
	defer inW.Close()
	var once sync.Once
	started := make(chan struct{})
	opts := []tea.ProgramOption{
		tea.WithWindowSize(80, 24),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			once.Do(func() {
				close(started)
				if change != nil {
					msg = change(msg)
				}
			})
			return msg
		}),
	}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, &uitest.Fake{ConfiguredV: true}, Options{Input: in, Output: io.Discard, ProgramOptions: opts})
	}()
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not start")
	}
	stop()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not end")
	}
	return nil
}

// main cancels the context on SIGINT and SIGTERM: the app must end as if
// the user quit, not report "program was killed" (exit status 1).
func TestRunEndsCleanlyWhenItsContextIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := runUntil(t, ctx, cancel, nil); err != nil {
		t.Fatalf("Run after the context was cancelled: %v", err)
	}
}

// Bubble Tea turns a SIGINT it catches itself (input not a terminal) into
// ErrInterrupted: that too is a clean end.
func TestRunEndsCleanlyWhenInterrupted(t *testing.T) {
	interrupt := func(tea.Msg) tea.Msg { return tea.InterruptMsg{} }
	if err := runUntil(t, context.Background(), func() {}, interrupt); err != nil {
		t.Fatalf("Run after an interrupt: %v", err)
	}
}
