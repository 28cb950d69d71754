package setup

import (
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

func configured() config.Config {
	c := *config.Default()
	c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Wiz.ClientID = endpoint, authURL, clientID
	c.Semgrep.Deployment = "acme-corp"
	return c
}

// startAt opens the wizard at a setting, the way the check screen asks.
func startAt(t *testing.T, fake *uitest.Fake, field string, w, h int) *harness {
	t.Helper()
	fake.ConfigV = configured()
	fake.Secrets = map[string]bool{config.SecretWizClientSecret: true, config.SecretSemgrepToken: true}
	hs := &harness{t: t, m: NewFromService(uitest.Common(fake)).StartAt(field), fake: fake}
	hs.m.SetSize(w, h)
	hs.run(hs.m.Init())
	return hs
}

func TestStartAtOpensThePageAndFocusesTheField(t *testing.T) {
	for _, c := range []struct {
		field, title string
		page         page
	}{
		{config.FieldWizAPIEndpoint, "API endpoint URL", pageWiz},
		{config.FieldWizAuthURL, "Authentication URL", pageWiz},
		{config.FieldWizClientID, "Client ID", pageWiz},
		{config.FieldWizClientSecret, "Client secret", pageWiz},
		{config.FieldSemgrepToken, "API token", pageSemgrep},
	} {
		h := startAt(t, &uitest.Fake{}, c.field, 80, 22)
		if h.m.page != c.page || !h.m.InputFocused() {
			t.Fatalf("%s: page %d (want %d), input focused %v", c.field, h.m.page, c.page, h.m.InputFocused())
		}
		if got := h.m.form.GetFocusedField().GetKey(); got != c.field {
			t.Errorf("%s: focus on %q", c.field, got)
		}
		// The focused field is the one huh marks with its bar.
		marked := false
		for _, l := range strings.Split(h.view(), "\n") {
			if strings.HasPrefix(l, "┃") && strings.Contains(l, c.title) {
				marked = true
			}
		}
		if !marked {
			t.Errorf("%s: %q is not the marked field:\n%s", c.field, c.title, h.view())
		}
		// Passing the fields before it did not mark them wrong: they hold
		// valid settings.
		if strings.Contains(h.view(), "required") {
			t.Errorf("%s: errors shown:\n%s", c.field, h.view())
		}
	}
}

func TestStartAtTheDeploymentListsWhatTheTokenSees(t *testing.T) {
	calls := 0
	fake := &uitest.Fake{DeploymentsFn: func(apiURL, token string) ([]semgrep.Deployment, error) {
		calls++
		return twoDeploys, nil
	}}
	h := startAt(t, fake, config.FieldSemgrepDeployment, 80, 22)
	if calls != 1 || h.m.page != pageDeployment {
		t.Fatalf("deployments listed %d times, page %d:\n%s", calls, h.m.page, h.view())
	}
	if v := h.view(); !strings.Contains(v, "acme-labs (Acme Labs)") {
		t.Errorf("the deployment select is not shown:\n%s", v)
	}
}

func TestStartAtGoldens(t *testing.T) {
	h := startAt(t, &uitest.Fake{}, config.FieldWizClientSecret, 80, 22)
	goldens(t, h, "start-at-secret")
}
