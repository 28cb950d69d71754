package setup

import (
	"errors"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// Realistic credentials: a Cognito client id is 53–56 letters and digits,
// its secret 64.
var (
	clientID   = "ab12cd34ef56gh78ij90kl12mn34op56qr78st90uv12wx34yz567"
	wizSecret  = strings.Repeat("Zq9", 21) + "X"
	semgrepTok = "3f8a1c0de7b94e2a9d5c61f0b2a7e4c8d1f6a3b9c0e5d7f2a4b6c8e0d2f4a6b8"
	endpoint   = "https://api.us17.app.wiz.io/graphql"
	authURL    = "https://auth.app.wiz.io/oauth/token"
	twoDeploys = []semgrep.Deployment{{ID: 4021, Slug: "acme-corp", Name: "Acme Corp"}, {ID: 4022, Slug: "acme-labs", Name: "Acme Labs"}}
)

// harness drives the screen as the program would: it runs the commands a
// step returns and feeds their messages back, keeping the ones meant for
// the root (navigation, config changed).
type harness struct {
	t     *testing.T
	m     *Model
	fake  *uitest.Fake
	out   []tea.Msg
	sends int
	// hold keeps back the messages it matches (in held) instead of
	// delivering them.
	hold func(tea.Msg) bool
	held []tea.Msg
}

func newHarness(t *testing.T, fake *uitest.Fake, existing config.Config) *harness {
	t.Helper()
	h := &harness{t: t, m: New(uitest.Common(fake), existing), fake: fake}
	h.m.SetSize(80, 22)
	h.run(h.m.Init())
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	h.sends++
	if h.sends > 5000 {
		h.t.Fatal("message loop does not settle")
	}
	s, cmd := h.m.Update(msg)
	h.m = s.(*Model)
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	for _, msg := range runCmd(cmd) {
		switch msg.(type) {
		case common.NavigateMsg, common.ConfigChangedMsg, common.StatusMsg:
			h.out = append(h.out, msg)
		default:
			if h.hold != nil && h.hold(msg) {
				h.held = append(h.held, msg)
				continue
			}
			h.send(msg)
		}
	}
}

func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(uitest.Key(k))
	}
}

// typeText types one rune at a time. The commands a typed rune returns
// only blink the cursor, so they are not run.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		scr, _ := h.m.Update(uitest.Key(string(r)))
		h.m = scr.(*Model)
	}
}

func (h *harness) navigations() []common.NavigateMsg {
	var out []common.NavigateMsg
	for _, m := range h.out {
		if n, ok := m.(common.NavigateMsg); ok {
			out = append(out, n)
		}
	}
	return out
}

func (h *harness) configChanged() []common.ConfigChangedMsg {
	var out []common.ConfigChangedMsg
	for _, m := range h.out {
		if c, ok := m.(common.ConfigChangedMsg); ok {
			out = append(out, c)
		}
	}
	return out
}

func (h *harness) view() string { return uitest.Plain(h.m.View()) }

// runCmd runs a command and unpacks batches and sequences (in order).
// Cursor blink timers are not run, nor kept; neither is a command that
// takes longer than a second.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	if strings.Contains(runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name(), "cursor.(*Model).Blink") {
		return nil // a cursor blink timer
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(time.Second):
		return nil // some other timer
	}
	if msg == nil {
		return nil
	}
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return []tea.Msg{msg}
	}
	// Run the members at once so timers cost one wait, then keep order.
	res := make([][]tea.Msg, v.Len())
	var wg sync.WaitGroup
	for i := range v.Len() {
		c, _ := v.Index(i).Interface().(tea.Cmd)
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = runCmd(c) }()
	}
	wg.Wait()
	var out []tea.Msg
	for _, r := range res {
		out = append(out, r...)
	}
	return out
}

// goldens checks the view at both terminal sizes and that it fits them.
func goldens(t *testing.T, h *harness, name string) {
	t.Helper()
	for _, sz := range []struct {
		w, h   int
		suffix string
	}{{80, 22, "80x24"}, {120, 38, "120x40"}} {
		h.m.SetSize(sz.w, sz.h)
		v := h.m.View()
		if n, w := uitest.Lines(v); n > sz.h || w > sz.w {
			t.Errorf("%s at %s: view is %d lines × %d cells, more than %d×%d", name, sz.suffix, n, w, sz.w, sz.h)
		}
		uitest.Golden(t, "setup-"+name+"-"+sz.suffix, v)
	}
	h.m.SetSize(80, 22)
}

func fillWiz(h *harness) {
	h.typeText(endpoint)
	h.press("enter")
	h.typeText(authURL)
	h.press("enter")
	h.typeText(clientID)
	h.press("enter")
	h.typeText(wizSecret)
	h.press("enter")
}

func TestHappyPathFirstRun(t *testing.T) {
	var saved []config.Config
	var secrets [][2]string
	var tokens []string
	fake := &uitest.Fake{
		DeploymentsFn: func(apiURL, token string) ([]semgrep.Deployment, error) {
			tokens = append(tokens, apiURL+" "+token)
			return twoDeploys, nil
		},
		SaveFn: func(c config.Config, ws, st string) error {
			saved = append(saved, c)
			secrets = append(secrets, [2]string{ws, st})
			return nil
		},
	}
	h := newHarness(t, fake, config.Config{})
	if h.m.page != pageWiz || !h.m.InputFocused() {
		t.Fatalf("first page: page %d, input focused %v", h.m.page, h.m.InputFocused())
	}
	goldens(t, h, "wiz")

	fillWiz(h)
	if h.m.page != pageSemgrep {
		t.Fatalf("after the Wiz page: page %d, view:\n%s", h.m.page, h.view())
	}
	if !strings.Contains(h.view(), config.DefaultSemgrepAPIURL) {
		t.Errorf("Semgrep API URL not pre-filled with the default:\n%s", h.view())
	}
	h.press("enter") // keep the default API URL
	h.typeText(semgrepTok)
	h.press("enter")

	if got, want := tokens, []string{config.DefaultSemgrepAPIURL + " " + semgrepTok}; !slices.Equal(got, want) {
		t.Fatalf("Deployments calls = %q, want %q", got, want)
	}
	if h.m.page != pageDeployment {
		t.Fatalf("page %d after the token, want the deployment select; view:\n%s", h.m.page, h.view())
	}
	v := h.view()
	for _, want := range []string{"acme-corp (Acme Corp)", "acme-labs (Acme Labs)"} {
		if !strings.Contains(v, want) {
			t.Errorf("deployment select lacks %q:\n%s", want, v)
		}
	}
	goldens(t, h, "deployment")
	h.press("down", "enter") // acme-labs

	if h.m.page != pagePolicy {
		t.Fatalf("page %d, want policy; view:\n%s", h.m.page, h.view())
	}
	h.press("enter", "enter", "enter", "enter") // defaults: critical+high, full scans, default branch, all repositories
	if h.m.page != pageReview || h.m.InputFocused() {
		t.Fatalf("page %d (input focused %v), want review; view:\n%s", h.m.page, h.m.InputFocused(), h.view())
	}
	v = h.view()
	for _, want := range []string{"Client secret", "new", "CRITICAL, HIGH", "acme-labs", endpoint} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, wizSecret) || strings.Contains(v, semgrepTok) {
		t.Errorf("review shows a secret:\n%s", v)
	}
	goldens(t, h, "review")

	h.press("enter")
	if fake.Count("SaveConfig") != 1 {
		t.Fatalf("SaveConfig called %d times, want 1", fake.Count("SaveConfig"))
	}
	want := *config.Default()
	want.Wiz.APIEndpoint, want.Wiz.AuthURL, want.Wiz.ClientID = endpoint, authURL, clientID
	want.Semgrep.Deployment = "acme-labs"
	got := saved[0]
	got.Origins, want.Origins = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("saved config:\n got %+v\nwant %+v", got, want)
	}
	if secrets[0] != [2]string{wizSecret, semgrepTok} {
		t.Errorf("SaveConfig got other secrets than typed (lengths %d, %d)", len(secrets[0][0]), len(secrets[0][1]))
	}
	if cc := h.configChanged(); len(cc) != 1 || cc[0].Deleted {
		t.Errorf("ConfigChangedMsg = %+v, want one, not deleted", cc)
	}
	if nav := h.navigations(); len(nav) != 1 || nav[0].To != common.Check {
		t.Errorf("navigations = %+v, want the connection check", nav)
	}
	if h.m.v.WizSecret != "" || h.m.v.Token != "" {
		t.Error("the screen keeps the secrets after saving")
	}
}

func TestBadEndpointIsRefusedLocally(t *testing.T) {
	fake := &uitest.Fake{}
	h := newHarness(t, fake, config.Config{})
	first := h.m.form.GetFocusedField()
	h.typeText("http://wiz.example.com/graphql")
	h.press("enter")
	if h.m.page != pageWiz || h.m.form.GetFocusedField() != first {
		t.Fatal("the form advanced past an http endpoint on a remote host")
	}
	v := h.view()
	if !strings.Contains(v, "✗ API endpoint URL must use https://") {
		t.Errorf("no error shown for the http endpoint:\n%s", v)
	}
	if n, w := uitest.Lines(h.m.View()); n > 22 || w > 80 {
		t.Errorf("view with the error is %d×%d, more than 80×22", w, n)
	}
	goldens(t, h, "wiz-error")
	if fake.Total() != 0 {
		t.Errorf("validation called the service %d times", fake.Total())
	}

	// The Wiz-specific rules apply too: an auth host is not an API host.
	for range len("http://wiz.example.com/graphql") {
		h.press("backspace")
	}
	h.typeText("https://auth.app.wiz.io/graphql")
	h.press("enter")
	if h.m.form.GetFocusedField() != first || !strings.Contains(h.view(), "authentication URL's host") {
		t.Errorf("an auth host was accepted as the API endpoint:\n%s", h.view())
	}

	// http to loopback is fine (local stand-ins).
	for range len("https://auth.app.wiz.io/graphql") {
		h.press("backspace")
	}
	h.typeText("http://127.0.0.1:8080/graphql")
	h.press("enter")
	if h.m.form.GetFocusedField() == first || strings.Contains(h.view(), "✗") {
		t.Errorf("a loopback http endpoint was refused:\n%s", h.view())
	}
}

func TestClientIDShapeCheckedAgainstAuthHost(t *testing.T) {
	h := newHarness(t, &uitest.Fake{}, config.Config{})
	h.typeText(endpoint)
	h.press("enter")
	h.typeText(authURL)
	h.press("enter")
	h.typeText(wizSecret) // a secret pasted into the client id field
	h.press("enter")
	if v := h.view(); !strings.Contains(v, "looks like a client secret") {
		t.Errorf("client id of 64 characters not flagged as a secret:\n%s", v)
	}
}

func TestEmptyRequiredFieldAndEscCancels(t *testing.T) {
	fake := &uitest.Fake{}
	h := newHarness(t, fake, config.Config{})
	h.press("enter")
	if !strings.Contains(h.view(), "API endpoint URL is required") {
		t.Errorf("empty endpoint accepted:\n%s", h.view())
	}
	h.press("esc")
	if nav := h.navigations(); len(nav) != 1 || nav[0].To != common.Home {
		t.Errorf("esc on the first page: navigations %+v, want Home", nav)
	}
	if fake.Count("SaveConfig") != 0 {
		t.Error("cancel saved")
	}
}

func TestDeploymentsFailureShownAndSlugTypedByHand(t *testing.T) {
	var gotCfg config.Config
	fake := &uitest.Fake{
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) {
			return nil, errors.New("semgrep: GET /api/v1/deployments: 404 Not Found (does the token have the Web API scope?)")
		},
		SaveFn: func(c config.Config, _, _ string) error { gotCfg = c; return nil },
	}
	h := newHarness(t, fake, config.Config{})
	fillWiz(h)
	h.press("enter")
	h.typeText(semgrepTok)
	h.press("enter")
	if h.m.page != pageDeployment {
		t.Fatalf("page %d, want the deployment page", h.m.page)
	}
	v := h.view()
	for _, want := range []string{"Could not list the deployments", "404 Not", "Deployment slug", "esc"} {
		if !strings.Contains(v, want) {
			t.Errorf("failure view lacks %q:\n%s", want, v)
		}
	}
	goldens(t, h, "deployment-failed")

	// esc goes back to the token; coming forward asks again.
	h.press("esc")
	if h.m.page != pageSemgrep {
		t.Fatalf("esc on the deployment page: page %d, want Semgrep", h.m.page)
	}
	h.press("enter", "enter")
	if fake.Count("Deployments") != 2 {
		t.Errorf("Deployments called %d times, want 2 (asked again)", fake.Count("Deployments"))
	}
	h.typeText("Acme-Corp")
	h.press("enter")
	if !strings.Contains(h.view(), "slugs are lowercase") || h.m.page != pageDeployment {
		t.Errorf("upper-case slug accepted:\n%s", h.view())
	}
	for range len("Acme-Corp") {
		h.press("backspace")
	}
	h.typeText("acme-corp")
	h.press("enter")
	if h.m.page != pagePolicy {
		t.Fatalf("typed slug did not advance: page %d\n%s", h.m.page, h.view())
	}
	h.press("enter", "enter", "enter", "enter", "enter")
	if gotCfg.Semgrep.Deployment != "acme-corp" {
		t.Errorf("saved deployment %q, want acme-corp", gotCfg.Semgrep.Deployment)
	}
}

func TestStaleDeploymentAnswerIsDropped(t *testing.T) {
	fake := &uitest.Fake{DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil }}
	h := newHarness(t, fake, config.Config{})
	h.hold = func(m tea.Msg) bool { _, ok := m.(deploymentsMsg); return ok }
	fillWiz(h)
	h.press("enter")
	h.typeText(semgrepTok)
	h.press("enter")
	if h.m.page != pageLoading || len(h.held) != 1 {
		t.Fatalf("page %d with %d answers held, want loading with one", h.m.page, len(h.held))
	}
	if v := h.view(); !strings.Contains(v, "Asking Semgrep for the deployments") || h.m.InputFocused() {
		t.Errorf("loading view (input focused %v):\n%s", h.m.InputFocused(), v)
	}
	h.press("esc")
	if h.m.page != pageSemgrep {
		t.Fatalf("esc while loading: page %d", h.m.page)
	}
	h.hold = nil
	h.send(h.held[0])
	if h.m.page != pageSemgrep {
		t.Errorf("a stale deployment list moved the wizard to page %d", h.m.page)
	}
}

func editedConfig() config.Config {
	c := *config.Default()
	c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Wiz.ClientID = endpoint, authURL, clientID
	c.Semgrep.Deployment = "acme-labs"
	c.Policy.Severities = []string{"critical", "high", "medium"}
	c.Policy.DefaultBranchOnly = false
	c.Policy.IncludeRepos = []string{"acme/*"}
	c.Guards.UploadsPerDay = 2 // not shown by the wizard: must survive
	return c
}

func TestEditKeepsStoredSecretsWhenLeftEmpty(t *testing.T) {
	var saved config.Config
	var ws, st = "unset", "unset"
	var token = "unset"
	fake := &uitest.Fake{
		ConfigV: editedConfig(),
		Secrets: map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(_, tok string) ([]semgrep.Deployment, error) {
			token = tok
			return twoDeploys, nil
		},
		SaveFn: func(c config.Config, w, s string) error { saved, ws, st = c, w, s; return nil },
	}
	h := newHarness(t, fake, fake.Config())
	v := h.view()
	if !strings.Contains(v, "Stored ✓ — leave empty to keep it") || !strings.Contains(v, endpoint) {
		t.Errorf("edit page does not pre-fill or does not say the secret is stored:\n%s", v)
	}
	goldens(t, h, "wiz-edit")
	h.press("enter", "enter", "enter", "enter") // Wiz page unchanged, secret left empty
	if h.m.page != pageSemgrep {
		t.Fatalf("page %d; an empty secret was refused though one is stored:\n%s", h.m.page, h.view())
	}
	if !strings.Contains(h.view(), "Stored ✓") {
		t.Errorf("Semgrep page does not say the token is stored:\n%s", h.view())
	}
	h.press("enter", "enter")
	if token != "" {
		t.Errorf("Deployments got token %q, want empty (the stored one)", token)
	}
	if h.m.page != pageDeployment || h.m.v.Deployment != "acme-labs" {
		t.Fatalf("deployment page: page %d, pre-selected %q", h.m.page, h.m.v.Deployment)
	}
	h.press("enter")                            // keep acme-labs
	h.press("enter", "enter", "enter", "enter") // policy as it was
	h.press("enter", "enter")                   // include acme/*, no exclude
	if h.m.page != pageReview {
		t.Fatalf("page %d, want review:\n%s", h.m.page, h.view())
	}
	if got := strings.Count(h.view(), "•••• (stored)"); got != 2 {
		t.Errorf("review shows %d stored secrets, want 2:\n%s", got, h.view())
	}
	h.press("enter")
	if ws != "" || st != "" {
		t.Errorf("SaveConfig got secrets of lengths %d, %d, want empty (keep the stored ones)", len(ws), len(st))
	}
	want := editedConfig()
	saved.Origins, want.Origins = nil, nil
	if !reflect.DeepEqual(saved, want) {
		t.Errorf("unchanged edit saved a different config:\n got %+v\nwant %+v", saved, want)
	}
}

func TestMissingSecretIsRequired(t *testing.T) {
	h := newHarness(t, &uitest.Fake{}, editedConfig())
	h.press("enter", "enter", "enter", "enter")
	if h.m.page != pageWiz || !strings.Contains(h.view(), "Client secret is required") {
		t.Errorf("empty secret accepted with nothing stored:\n%s", h.view())
	}
}

func TestPolicyChosenRepositories(t *testing.T) {
	var saved config.Config
	fake := &uitest.Fake{
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys[:1], nil },
		SaveFn:        func(c config.Config, _, _ string) error { saved = c; return nil },
	}
	h := newHarness(t, fake, config.Config{})
	fillWiz(h)
	h.press("enter")
	h.typeText(semgrepTok)
	h.press("enter", "enter")
	if h.m.page != pagePolicy {
		t.Fatalf("page %d, want policy", h.m.page)
	}
	goldens(t, h, "policy")
	// Severities: add MEDIUM (third option), drop CRITICAL (first).
	h.press("space", "down", "down", "space", "enter")
	h.press("n")             // full scans: no (n answers and moves on)
	h.press("enter")         // default branch: yes
	h.press("down", "enter") // chosen repositories
	if !h.m.InputFocused() || !h.m.inReposGroup() {
		t.Fatalf("repository patterns not asked:\n%s", h.view())
	}
	h.typeText("acme/[")
	h.press("enter")
	if !strings.Contains(h.view(), "Include repositories") || !strings.Contains(h.view(), "malformed pattern") {
		t.Errorf("malformed pattern accepted:\n%s", h.view())
	}
	h.press("backspace")
	h.typeText("*, platform/**")
	h.press("enter")
	h.typeText("acme/legacy-*")
	h.press("enter")
	if h.m.page != pageReview {
		t.Fatalf("page %d, want review:\n%s", h.m.page, h.view())
	}
	if v := h.view(); !strings.Contains(v, "include acme/*, platform/**; exclude acme/legacy-*") {
		t.Errorf("review does not show the patterns:\n%s", v)
	}
	h.press("enter")
	p := saved.Policy
	if !slices.Equal(p.Severities, []string{"high", "medium"}) || p.FullScansOnly || !p.DefaultBranchOnly ||
		!slices.Equal(p.IncludeRepos, []string{"acme/*", "platform/**"}) || !slices.Equal(p.ExcludeRepos, []string{"acme/legacy-*"}) {
		t.Errorf("saved policy %+v", p)
	}
}

func TestSaveValidationErrorShownOnReview(t *testing.T) {
	fake := &uitest.Fake{
		ConfigV: editedConfig(),
		Secrets: map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) {
			return twoDeploys, nil
		},
		SaveFn: func(config.Config, string, string) error {
			return &config.ValidationError{Problems: []config.Problem{{
				Field: config.FieldWizClientSecret, Message: "is not set",
				Hint: "Wiz shows a secret only once, so create a new one if it is lost",
			}}}
		},
	}
	h := newHarness(t, fake, fake.Config())
	h.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if h.m.page != pageReview {
		t.Fatalf("page %d, want review", h.m.page)
	}
	h.press("enter")
	v := h.view()
	if h.m.page != pageReview || !strings.Contains(v, "Not saved") || !strings.Contains(v, "Client secret is not set — Wiz shows a secret only once") {
		t.Errorf("validation error not shown on the review page:\n%s", v)
	}
	if len(h.out) != 0 {
		t.Errorf("a failed save produced %v", h.out)
	}
	goldens(t, h, "review-error")
}

// deleteItems is what the service answers for a delete with choice c:
// the upload files and the history are removed only when chosen.
func deleteItems(c config.DeleteChoice) []config.DeleteItem {
	return []config.DeleteItem{
		{Kind: config.DeleteConfigFile, What: "the configuration file", Path: "/home/ada/.config/semgrep-wiz/config.yaml", Remove: true},
		{Kind: config.DeleteSecrets, What: "the stored Wiz client secret and Semgrep token", Path: "OS keyring (service semgrep-wiz)", Remove: true},
		{Kind: config.DeleteUploadFiles, What: "3 upload file(s) from dry runs and kept uploads, with every finding's details", Path: "/home/ada/.local/state/semgrep-wiz/work", Remove: c.UploadFiles},
		{Kind: config.DeleteHistory, What: "the history: past runs, what Wiz holds from us (the ledger) and the log", Path: "/home/ada/.local/state/semgrep-wiz", Remove: c.History},
		{Kind: config.DeleteConfigFolder, What: "the configuration folder, once empty", Path: "/home/ada/.config/semgrep-wiz", Remove: true},
	}
}

func TestDeleteConfirmation(t *testing.T) {
	var chosen []config.DeleteChoice
	fake := &uitest.Fake{
		ConfigV:       editedConfig(),
		Secrets:       map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
		DeletePlanFn:  func(c config.DeleteChoice) ([]config.DeleteItem, error) { return deleteItems(c), nil },
		DeleteFn: func(c config.DeleteChoice) ([]config.DeleteItem, error) {
			chosen = append(chosen, c)
			items := deleteItems(c)
			items[len(items)-1].What = "the configuration folder"
			return items, nil
		},
	}
	h := newHarness(t, fake, fake.Config())
	h.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if h.m.page != pageReview {
		t.Fatalf("page %d, want review", h.m.page)
	}
	h.press("D")
	if h.m.page != pageDelete || h.m.InputFocused() {
		t.Fatalf("D on review: page %d", h.m.page)
	}
	v := h.view()
	for _, want := range []string{"This removes:", "the configuration file", "/home/ada/.config/semgrep-wiz/config.yaml",
		"the stored Wiz client secret and Semgrep token", "OS keyring", "the configuration folder, once empty",
		"[ ] u  3 upload file(s)", "[ ] h  the history", "/home/ada/.local/state/semgrep-wiz/work", "y/N"} {
		if !strings.Contains(v, want) {
			t.Errorf("delete confirmation lacks %q:\n%s", want, v)
		}
	}
	goldens(t, h, "delete")

	h.press("n")
	if h.m.page != pageReview || fake.Count("DeleteConfig") != 0 || len(h.out) != 0 {
		t.Fatalf("n: page %d, DeleteConfig %d, out %v", h.m.page, fake.Count("DeleteConfig"), h.out)
	}
	h.press("D", "u")
	if v := h.view(); !strings.Contains(v, "[x] u  3 upload file(s)") || !strings.Contains(v, "[ ] h") {
		t.Fatalf("u did not tick the upload files:\n%s", v)
	}
	h.press("y")
	if fake.Count("DeleteConfig") != 1 || len(chosen) != 1 || chosen[0] != (config.DeleteChoice{UploadFiles: true}) {
		t.Fatalf("DeleteConfig called %d times with %+v, want once with the upload files", fake.Count("DeleteConfig"), chosen)
	}
	if cc := h.configChanged(); len(cc) != 1 || !cc[0].Deleted {
		t.Errorf("ConfigChangedMsg = %+v, want Deleted", cc)
	}
	// It says what went and what stayed, then goes home.
	v = h.view()
	removed, kept, ok := strings.Cut(v, "Kept:")
	if !ok || !strings.Contains(removed, "Removed:") || !strings.Contains(removed, "3 upload file(s)") ||
		!strings.Contains(removed, "the configuration folder") || !strings.Contains(kept, "the history") || strings.Contains(kept, "upload file") {
		t.Errorf("the result does not list what was removed and kept:\n%s", v)
	}
	goldens(t, h, "deleted")
	if nav := h.navigations(); len(nav) != 0 {
		t.Errorf("navigated before the user read the result: %+v", nav)
	}
	h.press("enter")
	if nav := h.navigations(); len(nav) != 1 || nav[0].To != common.Home {
		t.Errorf("navigations %+v, want Home", nav)
	}
}

func TestStartDeleteFailureAndKeep(t *testing.T) {
	fake := &uitest.Fake{DeleteFn: func(config.DeleteChoice) ([]config.DeleteItem, error) {
		return nil, errors.New("removing /home/ada/.config/semgrep-wiz/config.yaml: permission denied")
	}}
	h := &harness{t: t, m: New(uitest.Common(fake), editedConfig()).StartDelete(), fake: fake}
	h.m.SetSize(80, 22)
	h.run(h.m.Init())
	if h.m.page != pageDelete {
		t.Fatalf("StartDelete: page %d", h.m.page)
	}
	h.press("y")
	if v := h.view(); !strings.Contains(v, "Not deleted: removing") || h.m.page != pageDelete {
		t.Errorf("delete failure not shown:\n%s", v)
	}
	if len(h.out) != 0 {
		t.Errorf("failed delete produced %v", h.out)
	}
	h.press("n")
	if nav := h.navigations(); len(nav) != 1 || nav[0].To != common.Home {
		t.Errorf("keep after StartDelete: navigations %+v, want Home", nav)
	}
}

func TestHelpFollowsThePage(t *testing.T) {
	fake := &uitest.Fake{
		ConfigV:       editedConfig(),
		Secrets:       map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
	}
	h := newHarness(t, fake, fake.Config())
	help := func() map[string]string {
		out := map[string]string{}
		for _, b := range h.m.ShortHelp() {
			if b.Enabled() {
				out[b.Help().Key] = b.Help().Desc
			}
		}
		return out
	}
	if got := help(); got["enter"] == "" || got["esc"] != "cancel setup" || got["shift+tab"] != "" {
		t.Errorf("first field's help = %v, want the form's enter and our esc, no shift+tab", got)
	}
	h.press("enter")
	if got := help(); got["shift+tab"] == "" || got["ctrl+e"] == "" {
		t.Errorf("auth URL help = %v, want shift+tab back and ctrl+e completion", got)
	}
	h.press("enter", "enter", "enter")
	if got := help(); got["esc"] != "back" {
		t.Errorf("second page help = %v, want esc back", got)
	}
	h.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if got := help(); h.m.page != pageReview || got["enter"] != "test and save" || got["t"] == "" || got["S"] == "" || got["D"] == "" || got["esc"] != "back" {
		t.Errorf("review help = %v (page %d)", got, h.m.page)
	}
	h.press("D")
	if got := help(); got["y"] == "" || got["n"] == "" {
		t.Errorf("delete help = %v", got)
	}
	if len(h.m.FullHelp()) != 1 {
		t.Errorf("FullHelp groups = %d", len(h.m.FullHelp()))
	}
}

func TestBackWalksThePagesAndKeepsValues(t *testing.T) {
	fake := &uitest.Fake{
		ConfigV:       editedConfig(),
		Secrets:       map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
	}
	h := newHarness(t, fake, fake.Config())
	h.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if h.m.page != pageReview {
		t.Fatalf("page %d, want review", h.m.page)
	}
	for _, want := range []page{pagePolicy, pageDeployment, pageSemgrep, pageWiz} {
		h.press("esc")
		if h.m.page != want || !h.m.InputFocused() {
			t.Fatalf("esc: page %d (input focused %v), want %d", h.m.page, h.m.InputFocused(), want)
		}
	}
	if !strings.Contains(h.view(), endpoint) {
		t.Errorf("values lost going back:\n%s", h.view())
	}
	if fake.Count("Deployments") != 1 {
		t.Errorf("Deployments called %d times; going back must not ask again", fake.Count("Deployments"))
	}
	if len(h.out) != 0 {
		t.Errorf("going back produced %v", h.out)
	}
	// From the repository patterns, esc returns to the policy's first group.
	h.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if !h.m.inReposGroup() {
		t.Fatalf("not on the repository patterns:\n%s", h.view())
	}
	h.press("esc")
	if h.m.page != pagePolicy || h.m.inReposGroup() {
		t.Errorf("esc from the patterns: page %d, in patterns %v", h.m.page, h.m.inReposGroup())
	}
}

func TestLightThemeAndNarrowSizes(t *testing.T) {
	c := uitest.Common(&uitest.Fake{})
	c.Styles = theme.For(false)
	h := &harness{t: t, m: New(c, editedConfig()), fake: &uitest.Fake{}}
	h.m.SetSize(80, 22)
	h.run(h.m.Init())
	if p := uitest.Plain(h.m.View()); !strings.Contains(p, "API endpoint URL") {
		t.Errorf("light theme view:\n%s", p)
	}
	if !h.m.c.Styles.IsDark && h.m.formStyles(true) != h.m.styles[false] {
		t.Error("the form theme does not follow c.Styles")
	}
	for _, sz := range [][2]int{{80, 22}, {60, 10}, {200, 60}} {
		h.m.SetSize(sz[0], sz[1])
		if n, w := uitest.Lines(h.m.View()); n > sz[1] || w > sz[0] {
			t.Errorf("at %v the view is %d lines × %d cells", sz, n, w)
		}
	}
}

// Descriptions are broken by hand so that no URL is split: every line must
// fit the 78 cells a field has at 80 columns.
func TestDescriptionsFitEightyColumns(t *testing.T) {
	for _, d := range []string{descEndpoint, descAuthURL, descClientID, descWizSecretNew, descStored, descAPIURL,
		descTokenNew, descDeployment, descDeploymentBad, descSeverities, descInclude, descExclude, descRejectedWiz, descRejectedSg} {
		for _, l := range strings.Split(d, "\n") {
			if w := ansi.StringWidth(l); w > 78 {
				t.Errorf("%d cells: %q", w, l)
			}
		}
	}
}

func TestNewFromServiceReadsTheConfigInACommand(t *testing.T) {
	existing := *config.Default()
	existing.Wiz.APIEndpoint = "https://api.eu3.app.wiz.io/graphql"
	fake := &uitest.Fake{ConfigV: existing}
	m := NewFromService(uitest.Common(fake))
	m.SetSize(120, 38)
	if strings.Contains(uitest.Plain(m.View()), "api.eu3") {
		t.Fatal("the configuration was read before Init's command ran")
	}
	var s common.Screen = m
	for _, msg := range uitest.Exec(m.Init()) {
		s, _ = s.Update(msg)
	}
	if v := uitest.Plain(s.View()); !strings.Contains(v, "https://api.eu3.app.wiz.io/graphql") {
		t.Fatalf("the endpoint was not pre-filled:\n%s", v)
	}
}
