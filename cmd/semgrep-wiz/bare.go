package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
)

// bareReport is what `demo --bare-client` measured of itself.
type bareReport struct {
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	PeakRSS    int64   `json:"peak_rss"`
	Requests   int64   `json:"requests"`
	Pages      int64   `json:"pages"`
	Findings   int64   `json:"findings"`
}

// bareClient is the yardstick of the scale runs: the least a client can do
// to read every finding a sync reads — list the projects, then walk each
// repository's findings pages one after another, eight repositories at
// once, decoding each page with encoding/json and encoding it again — run
// as its own process so its time, CPU and memory are its own. It asks
// exactly the queries the sync asks (pipeline.FindingsQuery with the
// default policy) and reads no scans.
func bareClient(ctx context.Context, e env) error {
	base, token, slug := e.getenv("SEMGREP_API_URL"), e.getenv("SEMGREP_APP_TOKEN"), e.getenv("SEMGREP_DEPLOYMENT")
	if base == "" || token == "" || slug == "" {
		return usagef("demo --bare-client: SEMGREP_API_URL, SEMGREP_APP_TOKEN and SEMGREP_DEPLOYMENT must point at the stand-ins (demo --serve prints them)")
	}
	var r bareReport
	var requests atomic.Int64
	hc := &http.Client{Transport: app.CountRequests(http.DefaultTransport, base, &requests)}
	c := semgrep.New(semgrep.Options{BaseURL: base, Token: token, HTTPClient: hc})
	cpu0, start := cpuTime(), time.Now()
	projects, err := c.Projects(ctx, slug)
	if err != nil {
		return fmt.Errorf("bare client: listing projects: %w", err)
	}
	pol := policy.Default()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(pipeline.DefaultConcurrency)
	var mu sync.Mutex // one encoder, as one output stream would have
	enc := json.NewEncoder(io.Discard)
	for _, p := range projects {
		g.Go(func() error {
			q := pipeline.FindingsQuery(pol, p.Name, false)
			for page := 0; ; page++ {
				params, size := q.PageParams(page)
				n, err := barePage(gctx, hc, c.BaseURL()+semgrep.PagePath(slug)+"?"+params.Encode(), token, func(fs []semgreptest.Finding) error {
					mu.Lock()
					defer mu.Unlock()
					return enc.Encode(fs)
				})
				if err != nil {
					return fmt.Errorf("bare client: %s page %d: %w", p.Name, page, err)
				}
				atomic.AddInt64(&r.Pages, 1)
				atomic.AddInt64(&r.Findings, int64(n))
				if n < size {
					return nil
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	r.Seconds, r.CPUSeconds, r.PeakRSS = time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds(), peakRSS()
	r.Requests = requests.Load()
	return json.NewEncoder(e.stdout).Encode(r)
}

func barePage(ctx context.Context, hc *http.Client, url, token string, each func([]semgreptest.Finding) error) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var page struct {
		Findings []semgreptest.Finding `json:"findings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, err
	}
	return len(page.Findings), each(page.Findings)
}
