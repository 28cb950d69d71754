package semgreptest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// WithPageCache keeps every findings page the stand-in renders, by query,
// until the dataset changes. A scale run warms it first, so the stand-in
// then spends no CPU of the machine it shares with the sync under
// measurement: a real API renders its pages on its own servers.
func WithPageCache() Option { return func(s *Server) { s.pages = &pageCache{m: map[string][]byte{}} } }

type pageCache struct {
	mu  sync.Mutex
	ver int
	m   map[string][]byte
}

func (c *pageCache) get(ver int, query string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ver != ver {
		return nil
	}
	return c.m[query]
}

// serve renders v, keeps it for the query and writes it.
func (c *pageCache) serve(w http.ResponseWriter, r *http.Request, ver int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "encoding failed"})
		return
	}
	c.mu.Lock()
	if c.ver != ver {
		c.ver, c.m = ver, map[string][]byte{}
	}
	c.m[r.URL.RawQuery] = b
	c.mu.Unlock()
	writeBytes(w, b)
}

func writeBytes(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
