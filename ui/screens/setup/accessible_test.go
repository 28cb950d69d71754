package setup

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

func lines(l ...string) *strings.Reader { return strings.NewReader(strings.Join(l, "\n") + "\n") }

func TestRunAccessibleFirstRun(t *testing.T) {
	var saved []config.Config
	var secrets [][2]string
	var asked []string
	fake := &uitest.Fake{
		DeploymentsFn: func(apiURL, token string) ([]semgrep.Deployment, error) {
			asked = append(asked, apiURL+" "+token)
			return twoDeploys, nil
		},
		SaveFn: func(c config.Config, ws, st string) error {
			saved = append(saved, c)
			secrets = append(secrets, [2]string{ws, st})
			return nil
		},
	}
	in := lines(
		"http://wiz.example.com/graphql", // refused: http to a remote host
		"https://api.us17.app.wiz.io",    // /graphql is added
		authURL,
		clientID,
		wizSecret,
		"", // keep the default Semgrep API URL
		semgrepTok,
		"2",                      // acme-labs
		"critical, HIGH, medium", // severities
		"n",                      // not only full scans
		"",                       // default branch only: keep yes
		"2",                      // chosen repositories
		"acme/*, platform/**",
		"acme/legacy-*",
		"y", // save
	)
	var out strings.Builder
	if err := RunAccessible(context.Background(), fake, in, &out); err != nil {
		t.Fatalf("RunAccessible: %v\n%s", err, out.String())
	}
	o := out.String()
	if !slices.Equal(asked, []string{config.DefaultSemgrepAPIURL + " " + semgrepTok}) {
		t.Errorf("Deployments asked %q", asked)
	}
	if len(saved) != 1 {
		t.Fatalf("SaveConfig called %d times\n%s", len(saved), o)
	}
	want := *config.Default()
	want.Wiz.APIEndpoint, want.Wiz.AuthURL, want.Wiz.ClientID = endpoint, authURL, clientID
	want.Semgrep.Deployment = "acme-labs"
	want.Policy.Severities = []string{"critical", "high", "medium"}
	want.Policy.FullScansOnly = false
	want.Policy.IncludeRepos = []string{"acme/*", "platform/**"}
	want.Policy.ExcludeRepos = []string{"acme/legacy-*"}
	got := saved[0]
	got.Origins, want.Origins = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("saved config:\n got %+v\nwant %+v", got, want)
	}
	if secrets[0] != [2]string{wizSecret, semgrepTok} {
		t.Errorf("SaveConfig got other secrets than typed (lengths %d, %d)", len(secrets[0][0]), len(secrets[0][1]))
	}
	for _, want := range []string{
		"API endpoint URL must use https://",     // the refusal, then the prompt again
		"Copy it from Wiz → User Settings",       // hints before the prompts
		"Wiz → Settings → Service Accounts",      //
		"1. acme-corp (Acme Corp)",               // the live list
		"Severities: CRITICAL, HIGH, MEDIUM",     // the review
		"Repositories: include acme/*, platform", //
		"Saved.",
	} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, wizSecret) || strings.Contains(o, semgrepTok) {
		t.Error("the output shows a secret")
	}
	if strings.Contains(o, "\x1b[") {
		t.Error("plain prompts contain escape sequences")
	}
}

func TestRunAccessibleEditKeepsEverything(t *testing.T) {
	var saved config.Config
	ws, st := "unset", "unset"
	fake := &uitest.Fake{
		ConfigV:       editedConfig(),
		Secrets:       map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
		SaveFn:        func(c config.Config, w, s string) error { saved, ws, st = c, w, s; return nil },
	}
	// Enter keeps every value: 4 Wiz, 2 Semgrep, deployment, 4 policy,
	// 2 patterns, then save.
	in := lines("", "", "", "", "", "", "", "", "", "", "", "", "", "y")
	var out strings.Builder
	if err := RunAccessible(context.Background(), fake, in, &out); err != nil {
		t.Fatalf("RunAccessible: %v\n%s", err, out.String())
	}
	if ws != "" || st != "" {
		t.Errorf("secrets of lengths %d, %d sent; want empty (keep the stored ones)", len(ws), len(st))
	}
	want := editedConfig()
	saved.Origins, want.Origins = nil, nil
	if !reflect.DeepEqual(saved, want) {
		t.Errorf("unchanged edit saved:\n got %+v\nwant %+v\n%s", saved, want, out.String())
	}
	if !strings.Contains(out.String(), "stored ✓ — leave empty to keep it") {
		t.Errorf("prompt does not say the secret is stored:\n%s", out.String())
	}
}

func TestRunAccessibleDeploymentsFailTypedByHand(t *testing.T) {
	var saved config.Config
	fake := &uitest.Fake{
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return nil, errors.New("401 Unauthorized") },
		SaveFn:        func(c config.Config, _, _ string) error { saved = c; return nil },
	}
	in := lines(endpoint, authURL, clientID, wizSecret, "", semgrepTok, "acme-corp", "", "", "", "", "y")
	var out strings.Builder
	if err := RunAccessible(context.Background(), fake, in, &out); err != nil {
		t.Fatalf("RunAccessible: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Could not list the deployments: 401 Unauthorized") {
		t.Errorf("failure not reported:\n%s", out.String())
	}
	if saved.Semgrep.Deployment != "acme-corp" {
		t.Errorf("deployment %q, want acme-corp", saved.Semgrep.Deployment)
	}
}

func TestRunAccessibleInputEndsEarly(t *testing.T) {
	fake := &uitest.Fake{}
	var out strings.Builder
	err := RunAccessible(context.Background(), fake, lines(endpoint, authURL), &out)
	if !errors.Is(err, ErrInputEnded) {
		t.Fatalf("err = %v, want ErrInputEnded", err)
	}
	if fake.Count("SaveConfig") != 0 || fake.Count("Deployments") != 0 {
		t.Errorf("%d calls after the input ended", fake.Total())
	}
}

func TestRunAccessibleDeclineSaves(t *testing.T) {
	fake := &uitest.Fake{DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil }}
	in := lines(endpoint, authURL, clientID, wizSecret, "", semgrepTok, "", "", "", "", "", "n")
	var out strings.Builder
	if err := RunAccessible(context.Background(), fake, in, &out); err != nil {
		t.Fatalf("RunAccessible: %v", err)
	}
	if fake.Count("SaveConfig") != 0 || !strings.Contains(out.String(), "Nothing was saved") {
		t.Errorf("declined save: SaveConfig %d\n%s", fake.Count("SaveConfig"), out.String())
	}
}

func TestRunAccessibleSaveError(t *testing.T) {
	fake := &uitest.Fake{
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
		SaveFn: func(config.Config, string, string) error {
			return &config.ValidationError{Problems: []config.Problem{{Field: config.FieldSemgrepToken, Message: "is not set"}}}
		},
	}
	in := lines(endpoint, authURL, clientID, wizSecret, "", semgrepTok, "", "", "", "", "", "y")
	err := RunAccessible(context.Background(), fake, in, &strings.Builder{})
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("err = %v, want the validation error", err)
	}
}

// The plain prompts test before saving too: a refused stored secret is
// shown with its fix, the prompt goes back to it (saying it was refused),
// and the new one is tested and saved.
func TestRunAccessibleTestFailsGoBackAndSave(t *testing.T) {
	newSecret := strings.Repeat("N3w", 21) + "Y"
	var tested []string
	var saved [][2]string
	fake := &uitest.Fake{
		ConfigV: editedConfig(), Where: keyringWhere,
		Secrets:       map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true},
		DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
		TestFn: func(_ config.Config, ws, _ string) ([]pipeline.CheckResult, error) {
			tested = append(tested, ws)
			if ws != newSecret {
				return wrongSecret, nil
			}
			return allGood, nil
		},
		SaveFn: func(_ config.Config, ws, st string) error { saved = append(saved, [2]string{ws, st}); return nil },
	}
	// Enter keeps every value (13 answers), Enter keeps "go back to the
	// client secret", the Wiz page again with a new secret, then save.
	in := lines("", "", "", "", "", "", "", "", "", "", "", "", "",
		"",
		"", "", "", newSecret,
		"y")
	var out strings.Builder
	if err := RunAccessible(context.Background(), fake, in, &out); err != nil {
		t.Fatalf("RunAccessible: %v\n%s", err, out.String())
	}
	o := out.String()
	if !slices.Equal(tested, []string{"", newSecret}) {
		t.Errorf("tested with secrets of lengths %v", tested)
	}
	if len(saved) != 1 || saved[0] != [2]string{newSecret, ""} {
		t.Fatalf("saved %d times\n%s", len(saved), o)
	}
	for _, want := range []string{
		"Secrets are saved " + keyringWhere + ".",
		"✗ FAILED: Wiz token — token: Wiz rejected the client id/secret (HTTP 401)",
		"Fix: check the client id and secret in Wiz → Settings → Service Accounts",
		"(3 more not run",
		"Go back to Client secret",
		"Save anyway, unverified",
		"stored, but rejected when last tried",
		"✓ Wiz token — expires in 1h00m",
		"Saved.",
	} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, newSecret) {
		t.Error("the output shows a secret")
	}
}

// After a failed test, "save anyway" saves and "do not save" does not.
func TestRunAccessibleTestFailsSaveAnywayOrNot(t *testing.T) {
	for _, c := range []struct {
		answer string
		saves  int
	}{{"2", 1}, {"3", 0}} {
		fake := &uitest.Fake{
			DeploymentsFn: func(string, string) ([]semgrep.Deployment, error) { return twoDeploys, nil },
			TestFn:        func(config.Config, string, string) ([]pipeline.CheckResult, error) { return wrongSecret, nil },
		}
		in := lines(endpoint, authURL, clientID, wizSecret, "", semgrepTok, "", "", "", "", "", c.answer)
		var out strings.Builder
		if err := RunAccessible(context.Background(), fake, in, &out); err != nil {
			t.Fatalf("RunAccessible: %v\n%s", err, out.String())
		}
		if fake.Count("SaveConfig") != c.saves || fake.Count("TestCredentials") != 1 {
			t.Errorf("answer %s: saves %d, tests %d\n%s", c.answer, fake.Count("SaveConfig"), fake.Count("TestCredentials"), out.String())
		}
	}
}
