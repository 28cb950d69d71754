package wiztest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// Request is one request the stand-in received. Secrets are not kept:
// only whether an Authorization header was present.
type Request struct {
	Op            string // token, upload-request, activity, activities, vcs, put, graphql-unknown, graphql-bad, other
	Method        string
	Path          string // no query
	Authorization bool
	ContentType   string
	ContentLength int64 // -1 when unknown (chunked)
	UserAgent     string
	Status        int       // the status the stand-in answered; 0 for a reset connection
	At            time.Time // when the request arrived
}

// Stats is an incoming/handled counter pair.
type Stats struct{ Incoming, Handled int }

// Upload is one file received by PUT and what Wiz made of it.
type Upload struct {
	ID               string
	Filename         string
	SystemActivityID string
	Body             []byte
	Document         map[string]any // nil when the body is not a JSON object
	ContentType      string
	IntegrationID    string
	Status           string // SUCCESS, SKIPPED or FAILURE
	StatusInfo       string
	DataSources      Stats
	Findings         Stats
	UnresolvedIDs    []string
	// Visible is false when the activity never appears (unknown
	// integration id): every poll answers NOT_FOUND.
	Visible bool
}

// DataSource is what Wiz holds for one data source id after the uploads
// so far: the findings open now, and those resolved because a later
// successful upload of the data source left them out.
type DataSource struct {
	ID           string
	Open         []string // sorted finding ids
	Resolved     []string // sorted finding ids
	Assets       []string // asset ids in the latest upload
	Uploads      int      // successful uploads that carried this data source
	LastUploadID string
}

type processed struct {
	integrationID string
	status        string
	statusInfo    string
	dataSources   Stats
	findings      Stats
	unresolved    []string
	hidden        bool
}

type dsState struct {
	open, resolved map[string]bool
	assets         []string
	uploads        int
	lastUpload     string
}

// Wire shape of the parts of the upload document the stand-in evaluates.
type ingestDoc struct {
	IntegrationID string `json:"integrationId"`
	DataSources   []struct {
		ID     string `json:"id"`
		Assets []struct {
			Details struct {
				RepositoryBranch struct {
					AssetID    string `json:"assetId"`
					Repository struct {
						URL string `json:"url"`
					} `json:"repository"`
				} `json:"repositoryBranch"`
			} `json:"details"`
			SastFindings []struct {
				ID string `json:"id"`
			} `json:"sastFindings"`
		} `json:"assets"`
	} `json:"dataSources"`
}

// processLocked evaluates an uploaded file the way Wiz would. s.mu is held.
func (s *Server) processLocked(sl *slot) {
	p := &sl.result
	var doc map[string]any
	if err := json.Unmarshal(sl.body, &doc); err != nil {
		p.status, p.statusInfo = "FAILURE", "error parsing as ingestion model: "+oneLine(err.Error())
		return
	}
	sl.doc = doc
	if id, ok := doc["integrationId"].(string); ok {
		p.integrationID = id
		if !slices.Contains(s.opts.KnownIntegrationIDs, id) {
			// Wiz reports this reason, but the activity never becomes visible.
			p.status, p.statusInfo, p.hidden = "FAILURE", "Integration id not found: "+id, true
			return
		}
	}
	if err := wizschema.Validate(bytes.NewReader(sl.body)); err != nil {
		msg := strings.TrimPrefix(err.Error(), "does not match the Wiz SAST schema: ")
		p.status, p.statusInfo = "FAILURE", "error parsing as ingestion model: json schema validation failed: "+msg
		return
	}
	var d ingestDoc
	if err := json.Unmarshal(sl.body, &d); err != nil {
		p.status, p.statusInfo = "FAILURE", "error parsing as ingestion model: "+oneLine(err.Error())
		return
	}
	unresolvable := map[string]bool{}
	for _, u := range s.opts.UnresolvedRepoURLs {
		unresolvable[finding.NormalizeRepoURL(u)] = true
	}
	p.status = "SUCCESS"
	p.dataSources = Stats{Incoming: len(d.DataSources), Handled: len(d.DataSources)}
	for _, ds := range d.DataSources {
		open := map[string]bool{}
		var assets []string
		for _, a := range ds.Assets {
			rb := a.Details.RepositoryBranch
			assets = append(assets, rb.AssetID)
			p.findings.Incoming += len(a.SastFindings)
			if unresolvable[finding.NormalizeRepoURL(rb.Repository.URL)] {
				if !slices.Contains(p.unresolved, rb.AssetID) {
					p.unresolved = append(p.unresolved, rb.AssetID)
				}
				continue
			}
			p.findings.Handled += len(a.SastFindings)
			for _, f := range a.SastFindings {
				open[f.ID] = true
			}
		}
		s.applyDataSource(ds.ID, open, assets, sl.id)
	}
	if len(p.unresolved) > 0 {
		p.status = "SKIPPED"
	}
}

// applyDataSource replaces a data source's open set: what is missing from
// this upload is resolved, what comes back is reopened.
func (s *Server) applyDataSource(id string, open map[string]bool, assets []string, uploadID string) {
	st := s.dataSources[id]
	if st == nil {
		st = &dsState{open: map[string]bool{}, resolved: map[string]bool{}}
		s.dataSources[id] = st
	}
	for f := range st.open {
		if !open[f] {
			st.resolved[f] = true
		}
	}
	for f := range open {
		delete(st.resolved, f)
	}
	st.open = open
	st.assets = assets
	st.uploads++
	st.lastUpload = uploadID
}

// pollActivity answers one systemActivity poll: nil for NOT_FOUND.
func (s *Server) pollActivity(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.activities[id]
	if sl == nil || !sl.put || sl.result.hidden {
		return nil
	}
	sl.polls++
	return s.viewLocked(sl)
}

// viewLocked renders the activity as its current poll count shows it.
func (s *Server) viewLocked(sl *slot) map[string]any {
	if sl.polls <= s.opts.NotFoundPolls {
		return nil
	}
	v := map[string]any{
		"id": sl.activityID, "status": "IN_PROGRESS", "statusInfo": nil, "result": nil,
		"context": map[string]any{"fileUploadId": sl.id},
	}
	if sl.polls <= s.opts.NotFoundPolls+s.opts.PollsInProgress {
		return v
	}
	p := sl.result
	v["status"] = p.status
	if p.statusInfo != "" {
		v["statusInfo"] = p.statusInfo
	}
	if p.status != "FAILURE" {
		ids := append([]string{}, p.unresolved...)
		v["result"] = map[string]any{
			"dataSources":      stats(p.dataSources),
			"findings":         stats(p.findings),
			"events":           stats(Stats{}),
			"tags":             stats(Stats{}),
			"unresolvedAssets": map[string]any{"count": len(ids), "ids": ids},
		}
	}
	return v
}

func stats(st Stats) map[string]any {
	return map[string]any{"incoming": st.Incoming, "handled": st.Handled}
}

func (s *Server) visibleActivities() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes := []map[string]any{}
	for _, sl := range s.put {
		if sl.result.hidden {
			continue
		}
		if v := s.viewLocked(sl); v != nil {
			nodes = append(nodes, v)
		}
	}
	return nodes
}

func (s *Server) record(r *http.Request, op string, status int, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Op: op, Method: r.Method, Path: r.URL.Path,
		Authorization: r.Header.Get("Authorization") != "",
		ContentType:   r.Header.Get("Content-Type"),
		ContentLength: r.ContentLength,
		UserAgent:     r.Header.Get("User-Agent"),
		Status:        status,
		At:            at,
	})
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount counts received requests of one Op.
func (s *Server) RequestCount(op string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}

// SlotsRequested counts requestSecurityScanUpload answers (used or not).
func (s *Server) SlotsRequested() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slotsRequested
}

// Uploads returns the files received by PUT, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, 0, len(s.put))
	for _, sl := range s.put {
		p := sl.result
		out = append(out, Upload{
			ID: sl.id, Filename: sl.filename, SystemActivityID: sl.activityID,
			Body:          append([]byte(nil), sl.body...),
			Document:      cloneDoc(sl.doc),
			ContentType:   sl.contentType,
			IntegrationID: p.integrationID,
			Status:        p.status, StatusInfo: p.statusInfo,
			DataSources: p.dataSources, Findings: p.findings,
			UnresolvedIDs: append([]string(nil), p.unresolved...),
			Visible:       !p.hidden,
		})
	}
	return out
}

// cloneDoc deep-copies a parsed document so callers cannot race with us.
func cloneDoc(d map[string]any) map[string]any {
	if d == nil {
		return nil
	}
	b, _ := json.Marshal(d)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

// DataSources returns the state Wiz would hold, by data source id.
func (s *Server) DataSources() map[string]DataSource {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]DataSource, len(s.dataSources))
	for id, st := range s.dataSources {
		out[id] = DataSource{
			ID: id, Open: sortedKeys(st.open), Resolved: sortedKeys(st.resolved),
			Assets: append([]string(nil), st.assets...), Uploads: st.uploads, LastUploadID: st.lastUpload,
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
