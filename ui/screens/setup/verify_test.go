package setup

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

const keyringWhere = "in the OS keyring (service semgrep-wiz)"

// What core answers for a wrong client secret, and for good values.
var (
	wrongSecret = []pipeline.CheckResult{
		{Name: "Wiz token", Detail: "token: Wiz rejected the client id/secret (HTTP 401)", Rejected: true,
			Hint: "check the client id and secret in Wiz → Settings → Service Accounts"},
		{Name: "Wiz data center", Skipped: true, NeedsEarlier: true, Detail: "skipped: no Wiz token"},
		{Name: "read:resources", Skipped: true, NeedsEarlier: true, Detail: "skipped: no Wiz token"},
		{Name: "read:system_activities", Skipped: true, NeedsEarlier: true, Detail: "skipped: no Wiz token"},
		{Name: "create:external_data_ingestion", Skipped: true, NeedsEarlier: true, Detail: "skipped: no Wiz token"},
		{Name: "Semgrep token", OK: true, Detail: "the token works and can see 2 deployment(s)"},
		{Name: "Semgrep deployment", OK: true, Detail: "Acme Labs (slug acme-labs, id 4022)"},
	}
	allGood = []pipeline.CheckResult{
		{Name: "Wiz token", OK: true, Detail: "expires in 1h00m"},
		{Name: "Wiz data center", OK: true, Detail: "token and endpoint both use data center us17"},
		{Name: "read:resources", OK: true, Detail: "the service account can list repositories"},
		{Name: "read:system_activities", OK: true, Detail: "the service account can read system activities"},
		{Name: "create:external_data_ingestion", Skipped: true, Detail: "run with --upload to test; it allocates an upload slot"},
		{Name: "Semgrep token", OK: true, Detail: "the token works and can see 2 deployment(s)"},
		{Name: "Semgrep deployment", OK: true, Detail: "Acme Labs (slug acme-labs, id 4022)"},
	}
)

// toReview walks an edit of a configured integration (secrets stored) to
// the review page without changing anything.
func toReview(t *testing.T, fake *uitest.Fake) *harness {
	t.Helper()
	fake.ConfigV = configured()
	if fake.Secrets == nil {
		fake.Secrets = map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true}
	}
	fake.DeploymentsFn = func(_, _ string) ([]semgrep.Deployment, error) { return twoDeploys, nil }
	h := newHarness(t, fake, fake.Config())
	h.press("enter", "enter", "enter", "enter") // Wiz page as it is
	h.press("enter", "enter")                   // Semgrep page as it is
	h.press("enter")                            // deployment
	h.press("enter", "enter", "enter", "enter") // policy
	if h.m.page != pageReview {
		t.Fatalf("page %d, want review:\n%s", h.m.page, h.view())
	}
	return h
}

// Enter on the review page tests the values entered first; a wrong Wiz
// secret is shown with its fix, nothing is saved, e goes to the secret,
// and S saves anyway.
func TestReviewTestsBeforeSavingAndSavesAnywayOnPurpose(t *testing.T) {
	var testedWith []string
	fake := &uitest.Fake{Where: keyringWhere,
		TestFn: func(c config.Config, ws, st string) ([]pipeline.CheckResult, error) {
			testedWith = append(testedWith, c.Wiz.APIEndpoint+" "+c.Wiz.ClientID+" "+ws+" "+c.Semgrep.Deployment)
			return wrongSecret, nil
		}}
	h := toReview(t, fake)
	if v := h.view(); !strings.Contains(v, "Secrets are saved "+keyringWhere+".") && !strings.Contains(v, "Secrets  saved "+keyringWhere) {
		t.Errorf("the review does not say where secrets go:\n%s", v)
	}
	h.press("enter")
	if fake.Count("SaveConfig") != 0 {
		t.Fatal("a failed test saved")
	}
	if want := endpoint + " " + clientID + "  acme-corp"; len(testedWith) != 1 || testedWith[0] != want {
		t.Errorf("tested with %q, want the values entered %q", testedWith, want)
	}
	v := h.view()
	for _, want := range []string{"✗ Wiz token", "Wiz rejected the client id/secret", "Fix: check the client id and secret",
		"✓ Semgrep token", "✓ Semgrep deployment", "1 failed, 3 not run — nothing was saved", "S save anyway", "e edit the client secret",
		"secret stored but rejected"} {
		if !strings.Contains(v, want) {
			t.Errorf("review after the test lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "create:external_data_ingestion") {
		t.Errorf("the wizard shows the upload probe it never runs:\n%s", v)
	}
	goldens(t, h, "review-tested-failed")
	if len(h.navigations()) != 0 || len(h.configChanged()) != 0 {
		t.Fatalf("a failed test left the page: %+v", h.out)
	}

	// e opens the secret's field, which now says the stored one was refused.
	h.press("e")
	if h.m.page != pageWiz || h.m.form.GetFocusedField().GetKey() != config.FieldWizClientSecret {
		t.Fatalf("e: page %d, field %q", h.m.page, h.m.form.GetFocusedField().GetKey())
	}
	if v := h.view(); !strings.Contains(v, "Stored, but Wiz rejected it — enter a new one") || strings.Contains(v, "Stored ✓") {
		t.Errorf("the refused secret is still called stored:\n%s", v)
	}
	h.press("enter", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if h.m.page != pageReview || h.m.tested != nil {
		t.Fatalf("back on review: page %d, old results %v", h.m.page, h.m.tested)
	}
	h.press("enter")
	if fake.Count("TestCredentials") != 2 || fake.Count("SaveConfig") != 0 {
		t.Fatalf("tests %d, saves %d", fake.Count("TestCredentials"), fake.Count("SaveConfig"))
	}
	h.press("S")
	if fake.Count("SaveConfig") != 1 || fake.Count("TestCredentials") != 2 {
		t.Fatalf("save anyway: saves %d, tests %d", fake.Count("SaveConfig"), fake.Count("TestCredentials"))
	}
	if nav := h.navigations(); len(nav) != 1 || nav[0].To != common.Check {
		t.Errorf("navigations after saving = %+v", nav)
	}
}

// Good values: enter tests, then saves at once.
func TestReviewSavesWhenTheTestPasses(t *testing.T) {
	fake := &uitest.Fake{TestFn: func(config.Config, string, string) ([]pipeline.CheckResult, error) { return allGood, nil }}
	h := toReview(t, fake)
	h.press("enter")
	if fake.Count("TestCredentials") != 1 || fake.Count("SaveConfig") != 1 {
		t.Fatalf("tests %d, saves %d", fake.Count("TestCredentials"), fake.Count("SaveConfig"))
	}
	if nav := h.navigations(); len(nav) != 1 || nav[0].To != common.Check {
		t.Errorf("navigations = %+v", nav)
	}
}

// t tests without saving; enter then saves without testing again.
func TestReviewTestOnly(t *testing.T) {
	fake := &uitest.Fake{Where: keyringWhere, TestFn: func(config.Config, string, string) ([]pipeline.CheckResult, error) { return allGood, nil }}
	h := toReview(t, fake)
	h.press("t")
	if fake.Count("SaveConfig") != 0 || h.m.page != pageReview {
		t.Fatalf("t saved (%d) or left the page (%d)", fake.Count("SaveConfig"), h.m.page)
	}
	v := h.view()
	for _, want := range []string{"✓ Wiz token", "✓ read:resources", "✓ Semgrep deployment", "✓ The values work"} {
		if !strings.Contains(v, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	goldens(t, h, "review-tested-ok")
	h.press("enter")
	if fake.Count("TestCredentials") != 1 || fake.Count("SaveConfig") != 1 {
		t.Fatalf("tests %d, saves %d", fake.Count("TestCredentials"), fake.Count("SaveConfig"))
	}
}

// The test runs in a command; esc while it runs goes back to the review,
// and its late answer neither shows nor saves.
func TestReviewTestStoppedAnswerDropped(t *testing.T) {
	fake := &uitest.Fake{TestFn: func(config.Config, string, string) ([]pipeline.CheckResult, error) { return allGood, nil }}
	h := toReview(t, fake)
	h.hold = func(msg tea.Msg) bool { _, ok := msg.(testedMsg); return ok }
	h.press("enter")
	if h.m.page != pageTesting || !strings.Contains(h.view(), "Testing the Wiz and Semgrep credentials") {
		t.Fatalf("page %d while testing:\n%s", h.m.page, h.view())
	}
	h.press("esc")
	h.hold = nil
	for _, m := range h.held {
		h.send(m)
	}
	if h.m.page != pageReview || h.m.tested != nil || fake.Count("SaveConfig") != 0 {
		t.Fatalf("stale answer used: page %d, results %v, saves %d", h.m.page, h.m.tested, fake.Count("SaveConfig"))
	}
}

// A test that cannot run (a setting that does not validate) says why and
// still allows saving on purpose.
func TestReviewTestCannotRun(t *testing.T) {
	fake := &uitest.Fake{TestFn: func(config.Config, string, string) ([]pipeline.CheckResult, error) {
		return nil, &config.ValidationError{Problems: []config.Problem{{Field: config.FieldWizClientSecret, Message: "is not set"}}}
	}}
	h := toReview(t, fake)
	h.press("enter")
	v := h.view()
	if !strings.Contains(v, "The test could not run") || !strings.Contains(v, "Client secret is not set") || !strings.Contains(v, "S save anyway") {
		t.Errorf("view:\n%s", v)
	}
	if fake.Count("SaveConfig") != 0 {
		t.Fatal("saved after a test that could not run")
	}
}

// The check (or the last wizard test) refused the stored secrets: the
// fields say so instead of "Stored ✓".
func TestStoredButRejectedSecret(t *testing.T) {
	fake := &uitest.Fake{ConfigV: configured(),
		Secrets:  map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		Rejected: map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true}}
	h := newHarness(t, fake, fake.Config())
	if v := h.view(); !strings.Contains(v, "Stored, but Wiz rejected it — enter a new one") || strings.Contains(v, "Stored ✓") {
		t.Errorf("Wiz page:\n%s", v)
	}
	h.press("enter", "enter", "enter", "enter")
	if v := h.view(); !strings.Contains(v, "Stored, but Semgrep rejected it — enter a new one") || strings.Contains(v, "Stored ✓") {
		t.Errorf("Semgrep page:\n%s", v)
	}
}

// Which field e opens for each kind of failure.
func TestFieldOfAFailedTest(t *testing.T) {
	for _, c := range []struct {
		r    pipeline.CheckResult
		want string
	}{
		{pipeline.CheckResult{Name: "Wiz token", Rejected: true, Hint: "check the client id and secret"}, config.FieldWizClientSecret},
		{pipeline.CheckResult{Name: "Wiz token", Hint: "the authentication URL looks wrong — copy it from Wiz"}, config.FieldWizAuthURL},
		{pipeline.CheckResult{Name: "Wiz data center"}, config.FieldWizAPIEndpoint},
		{pipeline.CheckResult{Name: "read:resources", Hint: "the API endpoint is wrong for this tenant: … use https://api.eu3.app.wiz.io/graphql"}, config.FieldWizAPIEndpoint},
		{pipeline.CheckResult{Name: "read:resources", Hint: "add read:resources to the service account"}, config.FieldWizClientID},
		{pipeline.CheckResult{Name: "Semgrep token", Rejected: true}, config.FieldSemgrepToken},
		{pipeline.CheckResult{Name: "Semgrep token", Hint: "check network access to the Semgrep API (proxy, firewall) and SEMGREP_API_URL"}, config.FieldSemgrepAPIURL},
		{pipeline.CheckResult{Name: "Semgrep deployment"}, config.FieldSemgrepDeployment},
	} {
		if got := fieldOf(c.r); got != c.want {
			t.Errorf("%s (%q): %s, want %s", c.r.Name, c.r.Hint, got, c.want)
		}
	}
}

// A credentials file's path is never cut or split, at 80 columns either.
func TestReviewShowsTheWholeCredentialsPath(t *testing.T) {
	path := "/home/someone-with-a-long-name/.config/semgrep-wiz/credentials.yaml"
	fake := &uitest.Fake{Where: "in " + path + " (file, mode 0600)",
		TestFn: func(config.Config, string, string) ([]pipeline.CheckResult, error) { return wrongSecret, nil }}
	h := toReview(t, fake)
	if v := h.view(); !strings.Contains(v, path) {
		t.Errorf("before the test:\n%s", v)
	}
	h.press("enter")
	if v := h.view(); !strings.Contains(v, path) || !strings.Contains(v, "(file, mode 0600)") {
		t.Errorf("with the results:\n%s", v)
	}
}
