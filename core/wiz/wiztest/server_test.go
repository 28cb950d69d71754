package wiztest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// raw is a tiny protocol driver: the stand-in is tested with plain HTTP so
// its strictness does not depend on the client it is meant to check.
type raw struct {
	t *testing.T
	s *Server
}

func start(t *testing.T, o Options) raw {
	s := NewServer(o)
	t.Cleanup(s.Close)
	return raw{t, s}
}

func (r raw) do(req *http.Request) (int, []byte) {
	r.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (r raw) tokenForm(form url.Values, contentType string) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, r.s.AuthURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", contentType)
	return r.do(req)
}

func goodForm() url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "audience": {"wiz-api"}}
}

func (r raw) token() string {
	r.t.Helper()
	st, b := r.tokenForm(goodForm(), "application/x-www-form-urlencoded")
	var tr struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if st != 200 || json.Unmarshal(b, &tr) != nil || tr.AccessToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 {
		r.t.Fatalf("token: %d %s", st, b)
	}
	return tr.AccessToken
}

func (r raw) gql(tok, query string, vars map[string]any) (int, map[string]any) {
	r.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, r.s.APIEndpoint(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	st, b := r.do(req)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		r.t.Fatalf("GraphQL answer is not JSON (%d): %s", st, b)
	}
	return st, out
}

func errCode(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

func errMessage(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	m, _ := errs[0].(map[string]any)["message"].(string)
	return m
}

const uploadQ = `query RequestSecurityScanUpload($filename: String!) { requestSecurityScanUpload(filename: $filename) { upload { id url systemActivityId } } }`
const activityQ = `query SystemActivity($id: ID!) { systemActivity(id: $id) { id status statusInfo result { ... on SystemActivityEnrichmentIntegrationResult { dataSources { incoming handled } findings { incoming handled } unresolvedAssets { count ids } } } context { ... on SystemActivityEnrichmentIntegrationContext { fileUploadId } } } }`

func (r raw) slot(tok, filename string) (id, u, activity string) {
	r.t.Helper()
	st, out := r.gql(tok, uploadQ, map[string]any{"filename": filename})
	data, _ := out["data"].(map[string]any)
	rsu, _ := data["requestSecurityScanUpload"].(map[string]any)
	up, _ := rsu["upload"].(map[string]any)
	if st != 200 || up == nil {
		r.t.Fatalf("slot: %d %v", st, out)
	}
	return up["id"].(string), up["url"].(string), up["systemActivityId"].(string)
}

func (r raw) put(u string, body []byte, mod func(*http.Request)) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if mod != nil {
		mod(req)
	}
	st, b := r.do(req)
	return st, string(b)
}

func (r raw) poll(tok, id string) (string, map[string]any) {
	r.t.Helper()
	_, out := r.gql(tok, activityQ, map[string]any{"id": id})
	data, _ := out["data"].(map[string]any)
	a, _ := data["systemActivity"].(map[string]any)
	if a == nil {
		if errCode(out) != "NOT_FOUND" {
			r.t.Fatalf("null activity without NOT_FOUND: %v", out)
		}
		return "NOT_FOUND", nil
	}
	return a["status"].(string), a
}

func TestTokenEndpointIsStrict(t *testing.T) {
	r := start(t, Options{})
	cases := []struct {
		name   string
		mod    func(url.Values)
		ct     string
		status int
		body   string
	}{
		{"json content type", nil, "application/json", 400, ""},
		{"wrong grant", func(f url.Values) { f.Set("grant_type", "password") }, "", 400, "unsupported_grant_type"},
		{"auth0 audience", func(f url.Values) { f.Set("audience", "beyond-api") }, "", 400, ""},
		{"no audience", func(f url.Values) { f.Del("audience") }, "", 400, ""},
		{"wrong secret", func(f url.Values) { f.Set("client_secret", "nope") }, "", 401, `{"error":"invalid_client"}`},
		{"wrong id", func(f url.Values) { f.Set("client_id", "nope") }, "", 401, `{"error":"invalid_client"}`},
	}
	for _, tc := range cases {
		f := goodForm()
		if tc.mod != nil {
			tc.mod(f)
		}
		ct := tc.ct
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
		}
		st, b := r.tokenForm(f, ct)
		if st != tc.status || (tc.body != "" && !strings.Contains(string(b), tc.body)) {
			t.Errorf("%s: %d %s", tc.name, st, b)
		}
		if strings.Contains(string(b), DefaultClientSecret) {
			t.Errorf("%s: body echoes the secret", tc.name)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, r.s.AuthURL(), nil)
	if st, _ := r.do(req); st != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d", st)
	}
	if r.s.TokensIssued() != 0 {
		t.Errorf("tokens issued for bad requests: %d", r.s.TokensIssued())
	}
	tok := r.token()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not JWT-shaped: %d parts", len(parts))
	}
	payload, _ := base64URLDecode(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims["dc"] != "us17" || claims["exp"] == nil || claims["iat"] == nil || claims["sub"] == nil {
		t.Errorf("claims %v (%v)", claims, err)
	}
}

func TestGraphQLAuthAndScopes(t *testing.T) {
	r := start(t, Options{Scopes: []string{"read:resources"}})
	st, out := r.gql("", uploadQ, map[string]any{"filename": "a.json"})
	if st != 401 || errCode(out) != "UNAUTHENTICATED" || out["data"] != nil {
		t.Errorf("no token: %d %v", st, out)
	}
	st, out = r.gql("forged.token.value", uploadQ, map[string]any{"filename": "a.json"})
	if st != 401 {
		t.Errorf("forged token: %d", st)
	}
	tok := r.token()
	st, out = r.gql(tok, uploadQ, map[string]any{"filename": "a.json"})
	if st != 200 || errCode(out) != "UNAUTHORIZED" || out["data"] != nil ||
		errMessage(out) != "Unauthorized: access denied, missing permission create:external_data_ingestion, your permissions: [read:resources]" {
		t.Errorf("missing scope: %d %v", st, out)
	}
	st, out = r.gql(tok, `query { versionControlResources(first: 1, filterBy: {type: [REPOSITORY_BRANCH]}) { nodes { id } } }`, nil)
	if st != 200 || errCode(out) != "" {
		t.Errorf("granted scope: %d %v", st, out)
	}
	st, out = r.gql(tok, `query { versionControlResources { nodes { id } } }`, nil)
	if errCode(out) != "BAD_USER_INPUT" {
		t.Errorf("first is mandatory: %d %v", st, out)
	}
	st, out = r.gql(tok, `query { cloudResources(first: 1) { nodes { id } } }`, nil)
	if st != 200 || errCode(out) != "BAD_USER_INPUT" {
		t.Errorf("unknown op: %d %v", st, out)
	}
	r.s.ExpireTokens()
	if st, _ := r.gql(tok, `query { versionControlResources(first: 1) { nodes { id } } }`, nil); st != 401 {
		t.Errorf("expired token: %d", st)
	}
}

// A tenant's token at another data center's endpoint is refused: the
// stand-in plays the endpoint of APIDC.
func TestGraphQLRefusesTokenOfAnotherDataCenter(t *testing.T) {
	r := start(t, Options{DC: "us17", APIDC: "eu3"})
	tok := r.token()
	st, out := r.gql(tok, `query { versionControlResources(first: 1) { nodes { id } } }`, nil)
	if st != 401 || errCode(out) != "UNAUTHENTICATED" {
		t.Errorf("token of us17 at eu3: %d %v", st, out)
	}
	r = start(t, Options{DC: "us17"})
	if st, out := r.gql(r.token(), `query { versionControlResources(first: 1) { nodes { id } } }`, nil); st != 200 || errCode(out) != "" {
		t.Errorf("APIDC defaults to DC: %d %v", st, out)
	}
}

func TestRequestUploadNeedsFilenameVariable(t *testing.T) {
	r := start(t, Options{})
	tok := r.token()
	for _, tc := range []struct {
		q    string
		vars map[string]any
	}{
		{uploadQ, nil},
		{uploadQ, map[string]any{"filename": ""}},
		{`query { requestSecurityScanUpload(filename: "a.json") { upload { id } } }`, nil},
	} {
		if _, out := r.gql(tok, tc.q, tc.vars); errCode(out) != "BAD_USER_INPUT" {
			t.Errorf("%s %v: %v", tc.q, tc.vars, out)
		}
	}
	if r.s.SlotsRequested() != 0 {
		t.Error("slot allocated for a bad request")
	}
}

func TestPresignedPutIsStrict(t *testing.T) {
	r := start(t, Options{})
	tok := r.token()
	id, u, _ := r.slot(tok, "semgrep-acme.json")
	pu, _ := url.Parse(u)
	if !strings.HasPrefix(pu.Path, "/s3/") || !strings.HasSuffix(pu.Path, "/"+id+"_semgrep-acme.json") {
		t.Errorf("URL path %q", pu.Path)
	}
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if pu.Query().Get(k) == "" {
			t.Errorf("query lacks %s", k)
		}
	}
	doc := SampleDocument(CustomerIntegrationID, "ds", "https://github.com/acme/app", "f1")

	reencoded := *pu
	reencoded.RawQuery = pu.Query().Encode()
	if st, body := r.put(reencoded.String(), doc, nil); st != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("re-encoded query: %d %s", st, body)
	}
	if st, body := r.put(u, doc, func(q *http.Request) { q.Header.Set("Authorization", "Bearer x") }); st != 400 || !strings.Contains(body, "InvalidArgument") {
		t.Errorf("with Authorization: %d %s", st, body)
	}
	chunked := func(q *http.Request) { q.Body = io.NopCloser(bytes.NewReader(doc)); q.ContentLength = -1 }
	if st, body := r.put(u, doc, chunked); st != 411 || !strings.Contains(body, "MissingContentLength") {
		t.Errorf("chunked: %d %s", st, body)
	}
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(doc))
	if st, _ := r.do(req); st != 405 {
		t.Errorf("POST: %d", st)
	}
	if len(r.s.Uploads()) != 0 {
		t.Fatal("a rejected PUT was recorded as an upload")
	}
	if st, body := r.put(u, doc, nil); st != 200 {
		t.Fatalf("good PUT: %d %s", st, body)
	}
	if st, body := r.put(u, doc, nil); st != 403 {
		t.Errorf("second PUT: %d %s", st, body)
	}
	ups := r.s.Uploads()
	if len(ups) != 1 || !bytes.Equal(ups[0].Body, doc) || ups[0].ContentType != "application/json" || ups[0].Document["integrationId"] != CustomerIntegrationID {
		t.Errorf("uploads %+v", ups)
	}
	for _, rq := range r.s.Requests() {
		if rq.Op == "put" && strings.Contains(rq.Path, "?") {
			t.Errorf("request log keeps a query: %s", rq.Path)
		}
	}

	_, u2, _ := r.slot(tok, "b.json")
	r.s.ExpireUploadURLs()
	if st, body := r.put(u2, doc, nil); st != 403 || !strings.Contains(body, "Request has expired") || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Errorf("expired: %d %s", st, body)
	}
}

func TestUploadURLTTL(t *testing.T) {
	r := start(t, Options{UploadURLTTL: 50 * time.Millisecond})
	_, u, _ := r.slot(r.token(), "a.json")
	time.Sleep(80 * time.Millisecond)
	if st, body := r.put(u, []byte("{}"), nil); st != 403 || !strings.Contains(body, "Request has expired") {
		t.Errorf("after TTL: %d %s", st, body)
	}
}

func TestActivityLifecycle(t *testing.T) {
	r := start(t, Options{NotFoundPolls: 2, PollsInProgress: 1})
	tok := r.token()
	id, u, act := r.slot(tok, "a.json")
	if st, _ := r.poll(tok, act); st != "NOT_FOUND" {
		t.Errorf("before PUT: %s", st)
	}
	doc := SampleDocument(CustomerIntegrationID, "ds", "https://github.com/acme/app", "f1", "f2")
	if st, _ := r.put(u, doc, nil); st != 200 {
		t.Fatal(st)
	}
	var seen []string
	var final map[string]any
	for i := 0; i < 4; i++ {
		st, a := r.poll(tok, act)
		seen = append(seen, st)
		final = a
	}
	if strings.Join(seen, ",") != "NOT_FOUND,NOT_FOUND,IN_PROGRESS,SUCCESS" {
		t.Errorf("sequence %v", seen)
	}
	want := map[string]any{
		"id": act, "status": "SUCCESS", "statusInfo": nil,
		"context": map[string]any{"fileUploadId": id},
		"result": map[string]any{
			"dataSources":      map[string]any{"incoming": 1.0, "handled": 1.0},
			"findings":         map[string]any{"incoming": 2.0, "handled": 2.0},
			"events":           map[string]any{"incoming": 0.0, "handled": 0.0},
			"tags":             map[string]any{"incoming": 0.0, "handled": 0.0},
			"unresolvedAssets": map[string]any{"count": 0.0, "ids": []any{}},
		},
	}
	if !reflect.DeepEqual(final, want) {
		t.Errorf("terminal activity\n got %v\nwant %v", final, want)
	}
	// The same shape as the documented success fixture.
	if fx := fixture(t, "system-activity.success.response.json"); fx == nil {
		t.Log("fixture folder absent; shape comparison skipped")
	} else {
		fa := fx["data"].(map[string]any)["systemActivity"].(map[string]any)
		if !sameKeys(fa, final) {
			t.Errorf("shape differs from the fixture:\n got %v\nwant %v", final, fa)
		}
	}
	_, list := r.gql(tok, `query { systemActivities(first: 10) { nodes { id status } } }`, nil)
	if n := list["data"].(map[string]any)["systemActivities"].(map[string]any)["totalCount"]; n != 1.0 {
		t.Errorf("systemActivities totalCount %v", n)
	}
}

func TestActivityOutcomes(t *testing.T) {
	r := start(t, Options{NotFoundPolls: -1, PollsInProgress: -1, UnresolvedRepoURLs: []string{"git@github.com:acme/legacy.git"}})
	tok := r.token()
	run := func(doc []byte) (string, map[string]any) {
		_, u, act := r.slot(tok, "x.json")
		if st, body := r.put(u, doc, nil); st != 200 {
			t.Fatalf("PUT %d %s", st, body)
		}
		return r.poll(tok, act)
	}
	st, a := run([]byte(`{"integrationId":`))
	if st != "FAILURE" || !strings.HasPrefix(a["statusInfo"].(string), "error parsing as ingestion model:") || a["result"] != nil {
		t.Errorf("not JSON: %s %v", st, a)
	}
	bad := strings.Replace(string(SampleDocument(CustomerIntegrationID, "ds", "https://github.com/acme/app", "f1")), `"severity":"High"`, `"severity":"High","ruleId":"x"`, 1)
	st, a = run([]byte(bad))
	if st != "FAILURE" || !strings.HasPrefix(a["statusInfo"].(string), "error parsing as ingestion model: json schema validation failed: ") {
		t.Errorf("schema: %s %v", st, a)
	}
	st, a = run(SampleDocument("placeholder", "ds", "https://github.com/acme/app", "f1"))
	if st != "NOT_FOUND" {
		t.Errorf("unknown integration id: %s %v", st, a)
	}
	st, a = run(SampleDocument(CustomerIntegrationID, "legacy", "https://github.com/acme/legacy", "f1", "f2"))
	res, _ := a["result"].(map[string]any)
	if st != "SKIPPED" || res["findings"].(map[string]any)["handled"] != 0.0 || res["unresolvedAssets"].(map[string]any)["count"] != 1.0 {
		t.Errorf("unresolved repo: %s %v", st, a)
	}
	ups := r.s.Uploads()
	if len(ups) != 4 || ups[2].Visible || ups[2].StatusInfo != "Integration id not found: placeholder" || ups[3].Status != "SKIPPED" {
		t.Errorf("uploads %+v", ups)
	}
}

func TestDataSourceResolution(t *testing.T) {
	r := start(t, Options{})
	tok := r.token()
	send := func(ds string, ids ...string) {
		_, u, _ := r.slot(tok, "x.json")
		if st, body := r.put(u, SampleDocument(CustomerIntegrationID, ds, "https://github.com/acme/"+ds, ids...), nil); st != 200 {
			t.Fatalf("PUT %d %s", st, body)
		}
	}
	send("app", "f1", "f2", "f3")
	send("lib", "l1")
	send("app", "f2", "f4")
	got := r.s.DataSources()
	app := got["app"]
	if !reflect.DeepEqual(app.Open, []string{"f2", "f4"}) || !reflect.DeepEqual(app.Resolved, []string{"f1", "f3"}) || app.Uploads != 2 {
		t.Errorf("app %+v", app)
	}
	if lib := got["lib"]; !reflect.DeepEqual(lib.Open, []string{"l1"}) || len(lib.Resolved) != 0 {
		t.Errorf("lib %+v (another data source's upload must not resolve it)", lib)
	}
	send("app", "f1")
	app = r.s.DataSources()["app"]
	if !reflect.DeepEqual(app.Open, []string{"f1"}) || !reflect.DeepEqual(app.Resolved, []string{"f2", "f3", "f4"}) {
		t.Errorf("reopened f1: %+v", app)
	}
	send("app")
	if app = r.s.DataSources()["app"]; len(app.Open) != 0 || len(app.Resolved) != 4 {
		t.Errorf("empty upload should resolve everything: %+v", app)
	}
}

func TestFaultsApplyInOrderAndRunOut(t *testing.T) {
	r := start(t, Options{})
	tok := r.token()
	r.s.Inject(Fault{Op: "vcs", Status: 503, Times: 2})
	r.s.Inject(Fault{Op: "graphql", GraphQLCode: "INTERNAL"})
	q := `query { versionControlResources(first: 1) { nodes { id } } }`
	var codes []string
	for i := 0; i < 4; i++ {
		st, out := r.gql(tok, q, nil)
		codes = append(codes, http.StatusText(st)+"/"+errCode(out))
	}
	want := []string{"Service Unavailable/INTERNAL", "Service Unavailable/INTERNAL", "OK/INTERNAL", "OK/"}
	if !reflect.DeepEqual(codes, want) {
		t.Errorf("got %v want %v", codes, want)
	}
	if r.s.PendingFaults() != 0 {
		t.Error("faults left")
	}
	r.s.Inject(Fault{Op: "token", Status: 429, RetryAfter: "7"})
	req, _ := http.NewRequest(http.MethodPost, r.s.AuthURL(), strings.NewReader(goodForm().Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("token fault: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	r.s.Inject(Fault{Op: "vcs", Reset: true})
	body, _ := json.Marshal(map[string]any{"query": q})
	req, _ = http.NewRequest(http.MethodPost, r.s.APIEndpoint(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("reset fault answered")
	}
}

func TestRateLimit(t *testing.T) {
	r := start(t, Options{RateLimit: 2})
	tok := r.token()
	limited := 0
	for i := 0; i < 6; i++ {
		st, out := r.gql(tok, `query { versionControlResources(first: 1) { nodes { id } } }`, nil)
		if st == 429 {
			limited++
			if errCode(out) != "RATE_LIMIT_EXCEEDED" {
				t.Errorf("429 body %v", out)
			}
		}
	}
	if limited == 0 {
		t.Error("six immediate requests at 2/s were not limited")
	}
}

func TestRequestLogHasNoSecrets(t *testing.T) {
	r := start(t, Options{})
	tok := r.token()
	r.slot(tok, "a.json")
	b, _ := json.Marshal(r.s.Requests())
	if strings.Contains(string(b), tok) || strings.Contains(string(b), DefaultClientSecret) {
		t.Error("request log holds a secret")
	}
	var ops []string
	for _, rq := range r.s.Requests() {
		ops = append(ops, rq.Op)
	}
	if !reflect.DeepEqual(ops, []string{"token", "upload-request"}) {
		t.Errorf("ops %v", ops)
	}
}

// fixture reads a reference fixture when the shared folder exists.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, "..", "shared", "reference", "wiz-fixtures", name))
	if err != nil {
		t.Logf("fixture %s not available: %v", name, err)
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameKeys compares the key structure of two decoded JSON objects.
func sameKeys(a, b map[string]any) bool {
	ka, kb := keys(a), keys(b)
	if !reflect.DeepEqual(ka, kb) {
		return false
	}
	for k, va := range a {
		ma, okA := va.(map[string]any)
		mb, okB := b[k].(map[string]any)
		if okA != okB || (okA && !sameKeys(ma, mb)) {
			return false
		}
	}
	return true
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
