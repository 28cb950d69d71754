package main

import (
	"github.com/semgrep-wiz/semgrep-wiz/core/app"

	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/setup"
)

// wizardService is the terminal app's service over the stand-ins with
// nothing configured: the settings come only from what the wizard passes.
func wizardService(t *testing.T, wo wiztest.Options) (*harness, *app.Service, string) {
	t.Helper()
	h := newHarness(t, wo)
	for _, k := range []string{"WIZ_API_ENDPOINT", "WIZ_AUTH_URL", "WIZ_CLIENT_ID", "WIZ_CLIENT_SECRET", "SEMGREP_APP_TOKEN", "SEMGREP_DEPLOYMENT", "SEMGREP_API_URL"} {
		delete(h.vars, k)
	}
	creds := filepath.Join(h.dir, "credentials.yaml")
	e := env{getenv: func(k string) string { return h.vars[k] }, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
		pollInterval: 10 * time.Millisecond, wizRate: 1000, secrets: config.FileStore(creds)}
	svc := newService(&common{}, e)
	t.Cleanup(svc.Close)
	return h, svc, creds
}

// entered is what the wizard would pass for the stand-ins.
func entered(h *harness) config.Config {
	c := *config.Default()
	c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Wiz.ClientID = h.wz.APIEndpoint(), h.wz.AuthURL(), testClientID
	c.Semgrep.APIURL, c.Semgrep.Deployment = h.sg.URL, h.ds.Deployment.Slug
	return c
}

func resultsByName(rs []pipeline.CheckResult) map[string]pipeline.CheckResult {
	m := map[string]pipeline.CheckResult{}
	for _, r := range rs {
		m[r.Name] = r
	}
	return m
}

// TestCredentials tries the values given, not the saved ones, and saves
// nothing: a wrong secret fails with its fix; a stored secret that fails
// is remembered as refused until a new one is saved; good values pass.
func TestTestCredentialsAgainstTheStandIns(t *testing.T) {
	h, svc, creds := wizardService(t, wiztest.Options{})
	ctx := context.Background()
	cfg := entered(h)

	rs, err := svc.TestCredentials(ctx, cfg, strings.Repeat("x", 64), h.ds.Token)
	if err != nil {
		t.Fatal(err)
	}
	m := resultsByName(rs)
	if r := m["Wiz token"]; r.OK || !r.Rejected || !strings.Contains(r.Hint, "check the client id and secret") {
		t.Errorf("wrong secret: %+v", r)
	}
	if r := m["Semgrep deployment"]; !r.OK {
		t.Errorf("Semgrep with good values: %+v", r)
	}
	if h.wz.TokensIssued() != 0 || h.wz.RequestCount("token") == 0 {
		t.Errorf("the stand-in saw %d token requests and issued %d", h.wz.RequestCount("token"), h.wz.TokensIssued())
	}
	if _, err := os.Stat(creds); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a test stored a secret: %v", err)
	}
	if b, _ := os.ReadFile(h.vars["SEMGREP_WIZ_CONFIG"]); strings.Contains(string(b), h.wz.APIEndpoint()) {
		t.Errorf("a test wrote the config file:\n%s", b)
	}
	if svc.SecretRejected(config.SecretWizClientSecret) {
		t.Error("a typed secret that failed was taken for the stored one")
	}

	// Saved anyway, the stored secret is then tested and refused.
	if err := svc.SaveConfig(ctx, cfg, strings.Repeat("x", 64), h.ds.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TestCredentials(ctx, cfg, "", ""); err != nil {
		t.Fatal(err)
	}
	if !svc.SecretRejected(config.SecretWizClientSecret) || svc.SecretRejected(config.SecretSemgrepToken) {
		t.Errorf("rejected: wiz %v, semgrep %v", svc.SecretRejected(config.SecretWizClientSecret), svc.SecretRejected(config.SecretSemgrepToken))
	}
	// Saving other settings does not make the stored secret good.
	if err := svc.SaveConfig(ctx, cfg, "", ""); err != nil {
		t.Fatal(err)
	}
	if !svc.SecretRejected(config.SecretWizClientSecret) {
		t.Error("saving without a new secret forgot that the stored one was refused")
	}

	// A new secret: forgotten, tested, passes.
	if err := svc.SaveConfig(ctx, cfg, testClientSecret, ""); err != nil {
		t.Fatal(err)
	}
	if svc.SecretRejected(config.SecretWizClientSecret) {
		t.Error("a new secret is still marked refused")
	}
	rs, err = svc.TestCredentials(ctx, cfg, "", "")
	if err != nil || !pipeline.Passed(rs) {
		t.Fatalf("good values: %v %+v", err, rs)
	}
	if r := resultsByName(rs)["create:external_data_ingestion"]; !r.Skipped || h.wz.SlotsRequested() != 0 {
		t.Errorf("the wizard's test allocated an upload slot: %+v", r)
	}
	for _, r := range rs {
		if strings.Contains(r.Detail+r.Hint, testClientSecret) || strings.Contains(r.Detail+r.Hint, h.ds.Token) {
			t.Fatal("a result shows a secret")
		}
	}
}

// A stored secret the check refuses is remembered for the wizard.
func TestCheckRemembersARefusedSecret(t *testing.T) {
	h, svc, _ := wizardService(t, wiztest.Options{})
	ctx := context.Background()
	if err := svc.SaveConfig(ctx, entered(h), strings.Repeat("x", 64), "wrong-token"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Check(ctx, false); err != nil {
		t.Fatal(err)
	}
	if !svc.SecretRejected(config.SecretWizClientSecret) || !svc.SecretRejected(config.SecretSemgrepToken) {
		t.Errorf("rejected after the check: wiz %v, semgrep %v", svc.SecretRejected(config.SecretWizClientSecret), svc.SecretRejected(config.SecretSemgrepToken))
	}
}

// Invalid settings: the test cannot run, and says which setting.
func TestTestCredentialsInvalidSettings(t *testing.T) {
	h, svc, _ := wizardService(t, wiztest.Options{})
	cfg := entered(h)
	cfg.Wiz.AuthURL = ""
	_, err := svc.TestCredentials(context.Background(), cfg, testClientSecret, h.ds.Token)
	var ve *config.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), config.FieldWizAuthURL) {
		t.Errorf("err = %v", err)
	}
	if h.wz.RequestCount("token") != 0 {
		t.Error("invalid settings reached Wiz")
	}
}

// The endpoint of another data center: the wizard's test and the headless
// check both name the endpoint of the token's data center.
func TestWrongDataCenterNamesTheEndpoint(t *testing.T) {
	const want = "use https://api.eu3.app.wiz.io/graphql"
	h, svc, _ := wizardService(t, wiztest.Options{DC: "eu3", APIDC: "us17"})
	rs, err := svc.TestCredentials(context.Background(), entered(h), testClientSecret, h.ds.Token)
	if err != nil {
		t.Fatal(err)
	}
	if r := resultsByName(rs)["read:resources"]; r.OK || !strings.Contains(r.Hint, want) {
		t.Errorf("wizard test: %+v", r)
	}
	if h.wz.RequestCount("vcs") == 0 {
		t.Error("the probe never reached the stand-in")
	}

	hc := newHarness(t, wiztest.Options{DC: "eu3", APIDC: "us17"})
	code, out, _ := hc.run("check")
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

// setup --accessible over the real service and the stand-ins: a wrong
// secret is shown with its fix and nothing is saved when the user stops;
// the right one is tested and saved.
func TestAccessibleSetupTestsAgainstTheStandIns(t *testing.T) {
	h, svc, creds := wizardService(t, wiztest.Options{})
	answers := func(secret, last string) *strings.Reader {
		return strings.NewReader(strings.Join([]string{
			h.wz.APIEndpoint(), h.wz.AuthURL(), testClientID, secret,
			h.sg.URL, h.ds.Token, "", // deployment: the first listed
			"", "", "", "", // policy as it is
			last,
		}, "\n") + "\n")
	}
	var out strings.Builder
	if err := setup.RunAccessible(context.Background(), svc, answers(strings.Repeat("x", 64), "3"), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	o := out.String()
	for _, want := range []string{"✗ FAILED: Wiz token", "Fix: check the client id and secret", "Secrets are saved in " + creds + " (file, mode 0600).", "Nothing was saved."} {
		if !strings.Contains(o, want) {
			t.Errorf("wrong secret: output lacks %q:\n%s", want, o)
		}
	}
	if _, err := os.Stat(creds); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("secrets stored though nothing was to be saved: %v", err)
	}

	out.Reset()
	if err := setup.RunAccessible(context.Background(), svc, answers(testClientSecret, "y"), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	o = out.String()
	if !strings.Contains(o, "✓ Wiz token") || !strings.Contains(o, "✓ Semgrep deployment") || !strings.Contains(o, "Saved.") {
		t.Errorf("right values:\n%s", o)
	}
	if v, err := config.FileStore(creds).Get(config.SecretWizClientSecret); err != nil || v != testClientSecret {
		t.Errorf("stored secret: %v", err)
	}
	if strings.Contains(o, testClientSecret) || strings.Contains(o, h.ds.Token) {
		t.Error("the output shows a secret")
	}
}
