package semgreptest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// waitRequests waits until the server has recorded n requests.
func waitRequests(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.Requests()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests recorded, want %d", len(s.Requests()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMaxInFlight(t *testing.T) {
	s := newDemo(t)
	s.SetMaxInFlight(1, "2")

	// One request held in the server (its fault delay counts as serving).
	s.Inject(Fault{Op: OpDeployments, Delay: time.Second, Times: 1})
	var wg sync.WaitGroup
	wg.Add(1)
	var held result
	go func() {
		defer wg.Done()
		held = call(t, s, "GET", "/deployments", DemoToken, "")
	}()
	waitRequests(t, s, 1)

	// A second one while it is served is over the limit.
	r := call(t, s, "GET", "/deployments/acme-corp/projects", DemoToken, "")
	var body struct {
		Error string `json:"error"`
	}
	if r.status != 429 || r.header.Get("Retry-After") != "2" || r.header.Get("Content-Type") != "application/json" ||
		json.Unmarshal(r.body, &body) != nil || body.Error == "" {
		t.Errorf("over the limit: %d, Retry-After %q, %q", r.status, r.header.Get("Retry-After"), r.body)
	}
	wg.Wait()
	if held.status != 200 {
		t.Errorf("the request within the limit: %d", held.status)
	}
	if s.PeakInFlight() != 2 || s.RateLimited() != 1 || len(s.Requests()) != 2 {
		t.Errorf("peak %d, limited %d, %d recorded", s.PeakInFlight(), s.RateLimited(), len(s.Requests()))
	}

	// Within the limit, one at a time, nothing is refused; the peak restarts.
	s.ResetPeakInFlight()
	if s.PeakInFlight() != 0 {
		t.Errorf("peak after reset with nothing in flight: %d", s.PeakInFlight())
	}
	for range 3 {
		if r := call(t, s, "GET", "/deployments", DemoToken, ""); r.status != 200 {
			t.Errorf("sequential request: %d", r.status)
		}
	}
	if s.PeakInFlight() != 1 {
		t.Errorf("sequential peak %d", s.PeakInFlight())
	}

	// No Retry-After when none is configured.
	s.SetMaxInFlight(1, "")
	s.Inject(Fault{Op: OpDeployments, Delay: time.Second, Times: 1})
	n := len(s.Requests())
	wg.Add(1)
	go func() { defer wg.Done(); call(t, s, "GET", "/deployments", DemoToken, "") }()
	waitRequests(t, s, n+1)
	if r := call(t, s, "GET", "/deployments", DemoToken, ""); r.status != 429 || r.header["Retry-After"] != nil {
		t.Errorf("without Retry-After: %d %v", r.status, r.header)
	}
	wg.Wait()

	// Off: concurrent requests are all served, and still counted.
	s.SetMaxInFlight(0, "")
	s.ResetPeakInFlight()
	s.Inject(Fault{Op: OpDeployments, Delay: time.Second, Times: 3})
	n = len(s.Requests())
	codes := make([]int, 3)
	for i := range codes {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = call(t, s, "GET", "/deployments", DemoToken, "").status }()
	}
	waitRequests(t, s, n+3)
	if p := s.PeakInFlight(); p != 3 {
		t.Errorf("peak %d with three held requests", p)
	}
	wg.Wait()
	for _, c := range codes {
		if c != 200 {
			t.Errorf("limit off: %v", codes)
			break
		}
	}
}

// TestMaxInFlightCountsLatency: WithLatency's wait is part of serving.
func TestMaxInFlightCountsLatency(t *testing.T) {
	s := NewServer(DemoDataset(now), WithLatency(time.Second))
	t.Cleanup(s.Close)
	s.SetMaxInFlight(1, "1")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); call(t, s, "GET", "/ping", "", "") }()
	waitRequests(t, s, 1)
	if r := call(t, s, "GET", "/ping", "", ""); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("during another request's latency: %d", r.status)
	}
	wg.Wait()
}
