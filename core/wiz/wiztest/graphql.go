package wiztest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/time/rate"
)

// gqlRequest is a parsed GraphQL POST; op is the fault/record name of its
// root field ("upload-request", "activity", "activities", "vcs",
// "graphql-unknown", or "graphql-bad" when the body is not a request).
type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`

	field string
	op    string
}

var opByField = map[string]string{
	"requestSecurityScanUpload": "upload-request",
	"systemActivity":            "activity",
	"systemActivities":          "activities",
	"versionControlResources":   "vcs",
}

var scopeByField = map[string]string{
	"requestSecurityScanUpload": "create:external_data_ingestion",
	"systemActivity":            "read:system_activities",
	"systemActivities":          "read:system_activities",
	"versionControlResources":   "read:resources",
}

func readGraphQL(r *http.Request) *gqlRequest {
	g := &gqlRequest{op: "graphql-bad"}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, g) != nil || g.Query == "" {
		return g
	}
	g.field = rootField(g.Query)
	if op, ok := opByField[g.field]; ok {
		g.op = op
	} else {
		g.op = "graphql-unknown"
	}
	return g
}

var identRe = regexp.MustCompile(`^\s*(?:[A-Za-z_][A-Za-z0-9_]*\s*:\s*)?([A-Za-z_][A-Za-z0-9_]*)`)

// rootField is the first field of the operation's selection set.
func rootField(q string) string {
	i := strings.Index(q, "{")
	if i < 0 {
		return ""
	}
	m := identRe.FindStringSubmatch(q[i+1:])
	if m == nil {
		return ""
	}
	return m[1]
}

func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request, g *gqlRequest) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return
	}
	grant, tok, ok := s.bearer(r)
	if !ok || !strings.EqualFold(grant.dc, s.opts.APIDC) {
		// Another data center does not know the tenant's token at all.
		writeJSON(w, http.StatusUnauthorized, gqlError("Unauthenticated: the bearer token is missing, invalid or expired", "UNAUTHENTICATED", nil))
		return
	}
	if !s.allow(tok) {
		writeJSON(w, http.StatusTooManyRequests, gqlError("Rate limit exceeded", "RATE_LIMIT_EXCEEDED", nil))
		return
	}
	if g.op == "graphql-bad" {
		writeJSON(w, http.StatusBadRequest, gqlError("Must provide query string.", "BAD_USER_INPUT", nil))
		return
	}
	scope, known := scopeByField[g.field]
	if !known {
		writeJSON(w, http.StatusOK, gqlError(`Cannot query field "`+g.field+`" on type "Query".`, "BAD_USER_INPUT", nil))
		return
	}
	if !slices.Contains(grant.scopes, scope) {
		msg := "Unauthorized: access denied, missing permission " + scope + ", your permissions: [" + strings.Join(grant.scopes, ", ") + "]"
		writeJSON(w, http.StatusOK, gqlError(msg, "UNAUTHORIZED", nil))
		return
	}
	switch g.field {
	case "requestSecurityScanUpload":
		s.gqlRequestUpload(w, r, g)
	case "systemActivity":
		s.gqlSystemActivity(w, g)
	case "systemActivities":
		s.gqlSystemActivities(w)
	case "versionControlResources":
		s.gqlVCS(w, g)
	}
}

func (s *Server) allow(tok string) bool {
	if s.opts.RateLimit <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[tok]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(s.opts.RateLimit), max(1, int(s.opts.RateLimit)))
		s.limiters[tok] = l
	}
	return l.Allow()
}

// gqlError is the error body shape of the fixtures; data is null unless given.
func gqlError(msg, code string, data any) map[string]any {
	return map[string]any{
		"data":   data,
		"errors": []any{map[string]any{"message": msg, "extensions": map[string]any{"code": code}}},
	}
}

var filenameDeclRe = regexp.MustCompile(`\$filename\s*:\s*String!`)

func (s *Server) gqlRequestUpload(w http.ResponseWriter, r *http.Request, g *gqlRequest) {
	name, _ := g.Variables["filename"].(string)
	if !filenameDeclRe.MatchString(g.Query) || name == "" {
		writeJSON(w, http.StatusOK, gqlError(`Variable "$filename" of required type "String!" was not provided.`, "BAD_USER_INPUT", nil))
		return
	}
	sl := s.newSlot(baseURL(r), name)
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"requestSecurityScanUpload": map[string]any{"upload": map[string]any{
			"id": sl.id, "url": sl.url, "systemActivityId": sl.activityID,
		}},
	}})
}

func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

var inlineIDRe = regexp.MustCompile(`systemActivity\s*\(\s*id\s*:\s*"([^"]*)"`)

func (s *Server) gqlSystemActivity(w http.ResponseWriter, g *gqlRequest) {
	id, _ := g.Variables["id"].(string)
	if m := inlineIDRe.FindStringSubmatch(g.Query); id == "" && m != nil {
		id = m[1]
	}
	if id == "" {
		writeJSON(w, http.StatusOK, gqlError(`Variable "$id" of required type "ID!" was not provided.`, "BAD_USER_INPUT", nil))
		return
	}
	view := s.pollActivity(id)
	if view == nil {
		writeJSON(w, http.StatusOK, gqlError("Resource not found", "NOT_FOUND", map[string]any{"systemActivity": nil}))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"systemActivity": view}})
}

func (s *Server) gqlSystemActivities(w http.ResponseWriter) {
	nodes := s.visibleActivities()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"systemActivities": map[string]any{
		"nodes":      nodes,
		"pageInfo":   map[string]any{"hasNextPage": false, "endCursor": nil},
		"totalCount": len(nodes),
	}}})
}

var inlineFirstRe = regexp.MustCompile(`versionControlResources\s*\([^)]*first\s*:\s*(\d+)`)

func (s *Server) gqlVCS(w http.ResponseWriter, g *gqlRequest) {
	first := -1
	if v, ok := g.Variables["first"].(float64); ok {
		first = int(v)
	} else if m := inlineFirstRe.FindStringSubmatch(g.Query); m != nil {
		first, _ = strconv.Atoi(m[1])
	}
	if first < 0 || first > 500 {
		writeJSON(w, http.StatusOK, gqlError(`Argument "first" is required and must be between 0 and 500.`, "BAD_USER_INPUT", nil))
		return
	}
	search := ""
	if fb, ok := g.Variables["filterBy"].(map[string]any); ok {
		search, _ = fb["search"].(string)
	}
	offset := 0
	if after, _ := g.Variables["after"].(string); after != "" {
		b, err := base64.StdEncoding.DecodeString(after)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || err2 != nil || n < 0 {
			writeJSON(w, http.StatusOK, gqlError("invalid cursor", "BAD_USER_INPUT", nil))
			return
		}
		offset = n
	}
	var all []map[string]any
	for i, b := range s.opts.VCSBranches {
		providerID := repoHostPath(b.RepoURL, b.RepoName) + "##" + b.Branch
		if search != "" && !matchesSearch(search, b.RepoName, b.RepoURL, providerID) {
			continue
		}
		platform := b.CloudPlatform
		if platform == "" {
			platform = "GitHub"
		}
		all = append(all, map[string]any{
			"id": "branch-" + strconv.Itoa(i), "cloudPlatform": platform, "providerID": providerID, "type": "REPOSITORY_BRANCH",
			"repository": map[string]any{"id": "repo-" + strconv.Itoa(i), "name": b.RepoName, "url": b.RepoURL},
		})
	}
	page := []map[string]any{}
	if offset < len(all) {
		page = all[offset:min(len(all), offset+first)]
	}
	next := offset+len(page) < len(all)
	var cursor any
	if len(page) > 0 {
		cursor = base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset+len(page))))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"versionControlResources": map[string]any{
		"nodes": page, "pageInfo": map[string]any{"hasNextPage": next, "endCursor": cursor},
	}}})
}

func repoHostPath(repoURL, name string) string {
	if u, err := url.Parse(repoURL); err == nil && u.Host != "" {
		return strings.ToLower(u.Host) + "##" + strings.Trim(strings.TrimSuffix(u.Path, ".git"), "/")
	}
	return "##" + name
}

func matchesSearch(search string, fields ...string) bool {
	search = strings.ToLower(search)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), search) {
			return true
		}
	}
	return false
}
