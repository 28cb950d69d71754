// Package semgreptest is a local stand-in for the Semgrep web API, in the
// manner of net/http/httptest: tests and demo mode run the real client
// against it over real HTTP. It is strict where Semgrep is (bearer token,
// 404 for tokens without Web API scope, page_size bounds, exact ref
// matching, 30-day scan window) and can inject faults and record requests.
package semgreptest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/internal/faultkit"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Operations, as Fault.Op and Request.Op name them.
const (
	OpDeployments = "deployments"
	OpProjects    = "projects"
	OpScans       = "scans"
	OpFindings    = "findings"
	OpPing        = "ping"
)

// notFoundBody is the Flask-style 404 Semgrep sends, also to tokens that
// lack the Web API scope.
const notFoundBody = `{"error": "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."}`

// Request is one request the stand-in received. The token is not kept.
type Request struct {
	Op            string // "" for unknown paths
	Method        string
	Path          string
	Query         url.Values
	Body          []byte
	Authorization bool // an "Authorization: Bearer …" header was sent
	UserAgent     string
	At            time.Time // when the request arrived
}

// Server is the stand-in. URL is the API base including /api/v1.
type Server struct {
	URL string

	mu      sync.Mutex
	ds      *Dataset
	version int // bumped on every change to ds, to invalidate order
	order   []ref
	orderV  int
	idx     projectIndex // per-project orders for repos=/repository_ids= queries
	faults  []*Fault
	reqs    []Request
	latency time.Duration
	hs      *httptest.Server

	flaky *faultkit.Flaky // WithFaultRate

	inflight inFlight   // SetMaxInFlight, PeakInFlight
	pages    *pageCache // WithPageCache
	// fullWalk makes filtered findings queries walk every finding as
	// before the index (tests compare the two).
	fullWalk bool
}

// ref points at one finding in the dataset.
type ref struct {
	p, f  int
	since time.Time
	id    int64
}

// Option configures a Server.
type Option func(*Server)

// WithLatency delays every response by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// NewServer starts a stand-in serving ds on 127.0.0.1. The server owns
// ds from now on: change it only through Update or SetFindings.
func NewServer(ds *Dataset, opts ...Option) *Server {
	s := NewUnstartedServer(ds, opts...)
	s.Start()
	return s
}

// NewUnstartedServer is NewServer without starting (no port is taken):
// call Start, or serve Handler on a listener of your own (demo mode), in
// which case the API base is that listener's URL + "/api/v1".
func NewUnstartedServer(ds *Dataset, opts ...Option) *Server {
	if ds == nil {
		ds = &Dataset{}
	}
	s := &Server{ds: ds, version: 1}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start starts the server on 127.0.0.1 and sets URL. It does nothing if
// the server is already started.
func (s *Server) Start() {
	if s.hs != nil {
		return
	}
	s.hs = httptest.NewServer(s.Handler())
	s.URL = s.hs.URL + "/api/v1"
}

// Close shuts the server down (if started).
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
}

// Client is an *http.Client for the server.
func (s *Server) Client() *http.Client {
	if s.hs == nil {
		return http.DefaultClient
	}
	return s.hs.Client()
}

// Handler serves the API under /api/v1.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// RequestsFor returns the requests of one operation.
func (s *Server) RequestsFor(op string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Update runs fn with the dataset under the server's lock. Responses are
// encoded after the lock is released from shallow copies of the findings,
// so fn may change or replace findings but not write into what a finding
// points at (Location, slices, pointer fields): replace those instead.
func (s *Server) Update(fn func(*Dataset)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.ds)
	s.version++
}

// SetFindings replaces the findings of the named project.
func (s *Server) SetFindings(project string, fs ...Finding) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.ds.project(project)
	if p == nil {
		return fmt.Errorf("semgreptest: no project %q", project)
	}
	p.Findings = slices.Clone(fs)
	s.version++
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	// Counted from arrival to the end of the response, latency included.
	limited, retryAfter := s.inflight.enter()
	defer s.inflight.leave()
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/")
	op, arg := "", ""
	if ok {
		op, arg = route(rest)
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{
		Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body,
		Authorization: strings.HasPrefix(auth, "Bearer ") && len(auth) > len("Bearer "),
		UserAgent:     r.UserAgent(),
		At:            at,
	})
	latency := s.latency
	s.mu.Unlock()

	if limited {
		// A rate limiter answers before the application does.
		writeLimited(w, retryAfter)
		return
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	handle := func(w http.ResponseWriter) { s.dispatch(w, r, op, arg, auth, body) }
	f := s.takeFault(op, r.URL.Query())
	if f == nil {
		f = s.randomFault(op, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	}
	if f != nil && applyFault(w, r, f, handle) {
		return
	}
	handle(w)
}

// route maps a path below /api/v1/ to an operation and its path argument
// (deployment slug or id).
func route(rest string) (op, arg string) {
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(seg) == 1 && seg[0] == "deployments":
		return OpDeployments, ""
	case len(seg) == 1 && seg[0] == "ping":
		return OpPing, ""
	case len(seg) == 3 && seg[0] == "deployments" && seg[2] == "projects":
		return OpProjects, seg[1]
	case len(seg) == 3 && seg[0] == "deployments" && seg[2] == "findings":
		return OpFindings, seg[1]
	case len(seg) == 4 && seg[0] == "deployments" && seg[2] == "scans" && seg[3] == "search":
		return OpScans, seg[1]
	}
	return "", ""
}

var opMethod = map[string]string{
	OpDeployments: http.MethodGet, OpPing: http.MethodGet, OpProjects: http.MethodGet,
	OpFindings: http.MethodGet, OpScans: http.MethodPost,
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, op, arg, auth string, body []byte) {
	if op == OpPing {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	s.mu.Lock()
	token, noScope := s.ds.Token, s.ds.NoScopeToken
	s.mu.Unlock()
	tok, hasBearer := strings.CutPrefix(auth, "Bearer ")
	switch {
	case hasBearer && noScope != "" && tok == noScope:
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	case !hasBearer || token == "" || tok != token:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Invalid or missing API token"})
		return
	}
	if op == "" {
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	}
	if r.Method != opMethod[op] {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "The method is not allowed for the requested URL."})
		return
	}
	switch op {
	case OpDeployments:
		s.deployments(w)
	case OpProjects:
		s.projects(w, r, arg)
	case OpScans:
		s.scans(w, arg, body)
	case OpFindings:
		s.findings(w, r, arg)
	}
}

func (s *Server) deployments(w http.ResponseWriter) {
	s.mu.Lock()
	d := s.ds.Deployment
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"deployments": []map[string]any{{
		"id": d.ID, "slug": d.Slug, "name": d.Name,
		"findings": map[string]string{"url": "/api/v1/deployments/" + d.Slug + "/findings"},
	}}})
}

// intParam reads an integer query parameter with a default.
func intParam(q url.Values, key string, def int) (int, error) {
	v := q.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s must be an integer", key)
	}
	return n, nil
}

func badRequest(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
}

func (s *Server) projects(w http.ResponseWriter, r *http.Request, slug string) {
	q := r.URL.Query()
	page, err := intParam(q, "page", 0)
	if err != nil || page < 0 {
		badRequest(w, "page must be a non-negative integer")
		return
	}
	size, err := intParam(q, "page_size", 100)
	if err != nil || size < 1 || size > 3000 {
		badRequest(w, "page_size must be between 1 and 3000")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slug != s.ds.Deployment.Slug {
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	}
	var live []*Project
	for i := range s.ds.Projects {
		if !s.ds.Projects[i].Archived {
			live = append(live, &s.ds.Projects[i])
		}
	}
	slices.SortFunc(live, func(a, b *Project) int { return cmp.Compare(a.ID, b.ID) })
	out := []map[string]any{}
	for _, p := range window(live, page, size) {
		tags := p.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, map[string]any{
			"id": p.ID, "name": p.Name, "url": p.URL, "tags": tags,
			"created_at": stamp(p.CreatedAt), "latest_scan_at": stamp(p.LatestScanAt),
			"default_branch": p.DefaultBranch, "primary_branch": p.PrimaryBranch,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out})
}

func window[T any](xs []T, page, size int) []T {
	start := page * size
	if page < 0 || start >= len(xs) || start < 0 {
		return nil
	}
	return xs[start:min(start+size, len(xs))]
}

var scanStatuses = map[string]bool{
	"SCAN_STATUS_RUNNING": true, "SCAN_STATUS_COMPLETED": true, "SCAN_STATUS_PENDING": true,
	"SCAN_STATUS_CANCELLED": true, "SCAN_STATUS_ERROR": true, "SCAN_STATUS_NEVER_FINISHED": true,
}

func (s *Server) scans(w http.ResponseWriter, idArg string, body []byte) {
	var req struct {
		RepositoryID *int64   `json:"repository_id"`
		Branch       string   `json:"branch"`
		IsFullScan   *bool    `json:"is_full_scan"`
		Since        string   `json:"since"`
		Statuses     []string `json:"statuses"`
		Cursor       string   `json:"cursor"`
		Limit        int      `json:"limit"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			badRequest(w, "invalid request body")
			return
		}
	}
	if req.Limit == 0 {
		req.Limit = 100
	}
	if req.Limit < 1 || req.Limit > 500 {
		badRequest(w, "limit must be between 1 and 500")
		return
	}
	for _, st := range req.Statuses {
		if !scanStatuses[st] {
			badRequest(w, "unknown scan status "+strconv.Quote(st))
			return
		}
	}
	offset := 0
	if req.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(req.Cursor)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
			badRequest(w, "invalid cursor")
			return
		}
		offset = n
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id != s.ds.Deployment.ID {
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	}
	now := s.ds.Now
	if now.IsZero() {
		now = time.Now()
	}
	from := now.Add(-30 * 24 * time.Hour)
	if req.Since != "" {
		t, err := time.Parse(time.RFC3339Nano, req.Since)
		if err != nil {
			badRequest(w, "since must be an ISO 8601 date-time")
			return
		}
		if t.After(from) {
			from = t
		}
	}
	type hit struct {
		p *Project
		s *Scan
	}
	var hits []hit
	for i := range s.ds.Projects {
		p := &s.ds.Projects[i]
		if req.RepositoryID != nil && *req.RepositoryID != p.ID {
			continue
		}
		for j := range p.Scans {
			sc := &p.Scans[j]
			switch {
			case sc.StartedAt.Before(from):
			case req.Branch != "" && sc.Branch != req.Branch:
			case req.IsFullScan != nil && *req.IsFullScan != sc.IsFullScan:
			case len(req.Statuses) > 0 && !slices.Contains(req.Statuses, sc.Status):
			default:
				hits = append(hits, hit{p, sc})
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := b.s.StartedAt.Compare(a.s.StartedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.s.ID, a.s.ID)
	})
	out := []map[string]any{}
	end := min(offset+req.Limit, len(hits))
	for _, h := range hits[min(offset, len(hits)):end] {
		sc := h.s
		m := map[string]any{
			// ScanPublic sends ids and counts as strings holding integers.
			"id": strconv.FormatInt(sc.ID, 10), "deployment_id": strconv.FormatInt(id, 10),
			"repository_id": strconv.FormatInt(h.p.ID, 10), "branch": sc.Branch, "commit": sc.Commit,
			"is_full_scan": sc.IsFullScan, "status": sc.Status, "started_at": stamp(sc.StartedAt),
			"exit_code": strconv.Itoa(sc.ExitCode), "enabled_products": []string{"sast"},
			"findings_counts": map[string]string{
				"code": strconv.Itoa(sc.CodeCount), "supply_chain": "0", "secrets": "0",
				"total": strconv.Itoa(sc.CodeCount),
			},
		}
		if !sc.CompletedAt.IsZero() {
			m["completed_at"] = stamp(sc.CompletedAt)
			m["total_time"] = sc.CompletedAt.Sub(sc.StartedAt).Seconds()
		}
		out = append(out, m)
	}
	resp := map[string]any{"scans": out}
	if end < len(hits) {
		resp["cursor"] = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
	}
	writeJSON(w, http.StatusOK, resp)
}

var (
	findingStatuses = map[string]bool{"open": true, "fixed": true, "ignored": true, "reviewing": true, "fixing": true, "provisionally_ignored": true}
	severities      = map[string]bool{"low": true, "medium": true, "high": true, "critical": true}
	issueTypes      = map[string]bool{"sast": true, "sca": true, "ai_sast": true}
)

func (s *Server) findings(w http.ResponseWriter, r *http.Request, slug string) {
	q := r.URL.Query()
	page, err := intParam(q, "page", 0)
	if err != nil || page < 0 {
		badRequest(w, "page must be a non-negative integer")
		return
	}
	size, err := intParam(q, "page_size", 100)
	if err != nil || size < 100 || size > 3000 {
		badRequest(w, "page_size must be between 100 and 3000")
		return
	}
	issue := q.Get("issue_type")
	if issue == "" {
		issue = "sast"
	}
	if !issueTypes[issue] {
		badRequest(w, "unknown issue_type")
		return
	}
	status := q.Get("status")
	if len(q["status"]) > 1 || (status != "" && !findingStatuses[status]) {
		badRequest(w, "status takes one of open, fixed, ignored, reviewing, fixing, provisionally_ignored")
		return
	}
	sevs := q["severities"]
	for _, sv := range sevs {
		if !severities[sv] {
			badRequest(w, "unknown severity "+strconv.Quote(sv))
			return
		}
	}
	dedup := false
	if v := q.Get("dedup"); v != "" {
		if dedup, err = strconv.ParseBool(v); err != nil {
			badRequest(w, "dedup must be true or false")
			return
		}
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			badRequest(w, "since must be epoch seconds")
			return
		}
		since = time.Unix(0, int64(x*1e9))
	}
	var repoIDs []int64
	for _, v := range q["repository_ids"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			badRequest(w, "repository_ids must be integers")
			return
		}
		repoIDs = append(repoIDs, n)
	}
	repos := q["repos"]
	refFilter, hasRef := q.Get("ref"), q.Has("ref")

	s.mu.Lock()
	if slug != s.ds.Deployment.Slug {
		s.mu.Unlock()
		writeRaw(w, http.StatusNotFound, notFoundBody)
		return
	}
	ver := s.version
	if s.pages != nil {
		if b := s.pages.get(ver, r.URL.RawQuery); b != nil {
			s.mu.Unlock()
			writeBytes(w, b)
			return
		}
	}
	var sel []*Finding
	kept := map[string]int{} // match_based_id → index in sel, for dedup
	// The repository filters stay in the loop below: the walk order only
	// narrows which findings are looked at, never what is chosen.
	for _, rf := range s.walkOrder(repos, repoIDs) {
		p := &s.ds.Projects[rf.p]
		f := &p.Findings[rf.f]
		switch {
		case len(repos) > 0 && !slices.Contains(repos, p.Name):
		case len(repoIDs) > 0 && !slices.Contains(repoIDs, p.ID):
		case f.IssueType() != issue:
		case status != "" && f.EffectiveStatus() != status:
		case hasRef && f.Ref != refFilter:
		case len(sevs) > 0 && !slices.Contains(sevs, f.Severity):
		case !since.IsZero() && rf.since.Before(since):
		case dedup && f.MatchBasedID != "":
			if i, dup := kept[f.MatchBasedID]; dup {
				// Keep the primary branch's instance, as the UI does.
				if onBranch(f.Ref, p.PrimaryBranch) && !onBranch(sel[i].Ref, p.PrimaryBranch) {
					sel[i] = f
				}
				continue
			}
			kept[f.MatchBasedID] = len(sel)
			sel = append(sel, f)
		default:
			sel = append(sel, f)
		}
	}
	// Copied under the lock so that encoding, the slow part, runs without
	// it while Update may change the dataset.
	win := window(sel, page, size)
	pageItems := make([]Finding, len(win))
	for i, f := range win {
		pageItems[i] = *f
	}
	s.mu.Unlock()
	if s.pages != nil {
		s.pages.serve(w, r, ver, map[string]any{"findings": pageItems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": pageItems})
}

// sortedOrder is every finding, newest relevant_since first (then id
// descending), cached until the dataset changes. Caller holds s.mu.
func (s *Server) sortedOrder() []ref {
	if s.orderV == s.version && s.order != nil {
		return s.order
	}
	var o []ref
	for pi := range s.ds.Projects {
		for fi := range s.ds.Projects[pi].Findings {
			f := &s.ds.Projects[pi].Findings[fi]
			o = append(o, ref{p: pi, f: fi, since: parseStamp(f.RelevantSince), id: f.ID})
		}
	}
	slices.SortFunc(o, compareRefs)
	s.order, s.orderV = o, s.version
	return o
}

// compareRefs is the findings order: newest relevant_since first, then id
// descending; dataset position breaks the remaining ties so that every
// walk (full or per project, merged) sees the same order.
func compareRefs(a, b ref) int {
	if c := b.since.Compare(a.since); c != 0 {
		return c
	}
	if c := cmp.Compare(b.id, a.id); c != 0 {
		return c
	}
	if c := cmp.Compare(a.p, b.p); c != 0 {
		return c
	}
	return cmp.Compare(a.f, b.f)
}

// projectIndex finds the projects a repos=/repository_ids= query names and
// keeps each project's findings in walk order, so that such a query looks
// at its own projects' findings only. It is rebuilt when the dataset
// changes (version).
type projectIndex struct {
	v      int
	byName map[string][]int // project indexes; names need not be unique
	byID   map[int64][]int
	orders [][]ref // per project, built on first use
}

// walkOrder is the order in which a findings query looks at findings:
// every finding, or only those of the projects named by repos (or, without
// repos, by repoIDs). Caller holds s.mu; the result must not be changed.
func (s *Server) walkOrder(repos []string, repoIDs []int64) []ref {
	if s.fullWalk || (len(repos) == 0 && len(repoIDs) == 0) {
		return s.sortedOrder()
	}
	x := &s.idx
	if x.v != s.version || x.byName == nil {
		*x = projectIndex{v: s.version, byName: map[string][]int{}, byID: map[int64][]int{},
			orders: make([][]ref, len(s.ds.Projects))}
		for i, p := range s.ds.Projects {
			x.byName[p.Name] = append(x.byName[p.Name], i)
			x.byID[p.ID] = append(x.byID[p.ID], i)
		}
	}
	var ps []int
	if len(repos) > 0 {
		for _, n := range repos {
			ps = append(ps, x.byName[n]...)
		}
	} else {
		for _, id := range repoIDs {
			ps = append(ps, x.byID[id]...)
		}
	}
	slices.Sort(ps)
	ps = slices.Compact(ps) // a repeated name walks its project once
	lists := make([][]ref, 0, len(ps))
	for _, pi := range ps {
		if o := s.projectOrder(pi); len(o) > 0 {
			lists = append(lists, o)
		}
	}
	return mergeRefs(lists)
}

// projectOrder is one project's findings in walk order, cached in s.idx.
func (s *Server) projectOrder(pi int) []ref {
	if o := s.idx.orders[pi]; o != nil {
		return o
	}
	fs := s.ds.Projects[pi].Findings
	o := make([]ref, len(fs))
	for fi := range fs {
		o[fi] = ref{p: pi, f: fi, since: parseStamp(fs[fi].RelevantSince), id: fs[fi].ID}
	}
	slices.SortFunc(o, compareRefs)
	s.idx.orders[pi] = o
	return o
}

// mergeRefs merges lists sorted by compareRefs into one sorted list. One
// list is returned as is.
func mergeRefs(lists [][]ref) []ref {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]ref, 0, n)
	// A binary heap of list indexes, ordered by each list's head.
	h := make([]int, len(lists))
	for i := range h {
		h[i] = i
	}
	less := func(i, j int) bool { return compareRefs(lists[h[i]][0], lists[h[j]][0]) < 0 }
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && less(c+1, c) {
				c++
			}
			if !less(c, i) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		top := h[0]
		out = append(out, lists[top][0])
		if lists[top] = lists[top][1:]; len(lists[top]) == 0 {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)
	}
	return out
}

func onBranch(ref, branch string) bool {
	return strings.TrimPrefix(ref, "refs/heads/") == strings.TrimPrefix(branch, "refs/heads/")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error": "encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// stamp renders a time as Semgrep's real responses do (RFC 3339, µs, Z).
func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// stampPy renders the spec examples' Python form.
func stampPy(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000-07:00")
}

func parseStamp(s string) time.Time {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
