package semgreptest

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// A cached page is the page the stand-in would render, and a change to
// the dataset is never answered from the cache.
func TestPageCacheAnswersLikeTheServer(t *testing.T) {
	ds := GenerateDataset(2, 3, 900, time.Now())
	plain := NewServer(ds.Clone())
	defer plain.Close()
	cached := NewServer(ds.Clone(), WithPageCache())
	defer cached.Close()
	get := func(s *Server) string {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/deployments/"+ds.Deployment.Slug+"/findings?page=0&page_size=100&repos="+ds.Projects[1].Name, nil)
		req.Header.Set("Authorization", "Bearer "+ds.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
		return string(b)
	}
	want := get(plain)
	if a, b := get(cached), get(cached); a != want || b != want {
		t.Fatal("the cached page differs from the rendered one")
	}
	for _, s := range []*Server{plain, cached} {
		s.SetFindings(ds.Projects[1].Name, ds.Projects[1].Findings[:5]...)
	}
	if got := get(cached); got != get(plain) || got == want {
		t.Fatal("the cache answered with a page from before the change")
	}
}
