package check

import (
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// done is the screen after a check that answered rs.
func done(t *testing.T, rs []pipeline.CheckResult) *Model {
	t.Helper()
	m := newModel(&uitest.Fake{CheckFn: func(bool) ([]pipeline.CheckResult, error) { return rs, nil }}, 80, 22)
	for _, r := range results(t, m.Init()) {
		m.Update(r)
	}
	if m.Running() {
		t.Fatal("still running")
	}
	return m
}

func navigations(t *testing.T, m *Model, k string) []common.NavigateMsg {
	t.Helper()
	_, cmd := m.Update(uitest.Key(k))
	var out []common.NavigateMsg
	for _, msg := range uitest.Exec(cmd) {
		if n, ok := msg.(common.NavigateMsg); ok {
			out = append(out, n)
		}
	}
	return out
}

func TestEditOpensTheWizardAtTheFirstFailingSetting(t *testing.T) {
	m := done(t, mixed()) // the data center fails first, then a permission
	got := navigations(t, m, "e")
	want := common.NavigateMsg{To: common.Setup, Arg: config.FieldWizAPIEndpoint}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("e navigated %v, want %v", got, want)
	}
	if h := m.ShortHelp(); len(h) == 0 || h[0].Help().Key != "e" || h[0].Help().Desc != "edit endpoint" {
		t.Errorf("the footer does not offer e first: %v", h)
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "press e to edit the endpoint") {
		t.Errorf("the summary does not say e:\n%s", v)
	}
}

func TestEditIsOnlyOfferedWhenACheckFailed(t *testing.T) {
	m := done(t, allOK(false))
	if got := navigations(t, m, "e"); len(got) != 0 {
		t.Errorf("e with every check passed navigated %v", got)
	}
	for _, b := range m.ShortHelp() {
		if b.Help().Key == "e" {
			t.Error("the footer offers e with nothing to edit")
		}
	}
	for _, g := range m.FullHelp() {
		for _, b := range g {
			if b.Help().Key == "e" && b.Enabled() {
				t.Error("the help lists e with nothing to edit")
			}
		}
	}
}

func TestSettingOfEachCheck(t *testing.T) {
	for _, c := range []struct {
		r    pipeline.CheckResult
		want string
	}{
		{pipeline.CheckResult{Name: "Wiz token", Detail: "invalid_client"}, config.FieldWizClientID},
		{pipeline.CheckResult{Name: "Wiz token", Detail: "404", Hint: "the authentication URL looks wrong — copy it from Wiz"}, config.FieldWizAuthURL},
		{pipeline.CheckResult{Name: "Wiz data center"}, config.FieldWizAPIEndpoint},
		{pipeline.CheckResult{Name: "read:resources"}, config.FieldWizClientID},
		{pipeline.CheckResult{Name: "read:resources", Hint: "the API endpoint is wrong for this tenant: its token is for data center eu3 — use https://api.eu3.app.wiz.io/graphql"}, config.FieldWizAPIEndpoint},
		{pipeline.CheckResult{Name: "create:external_data_ingestion"}, config.FieldWizClientID},
		{pipeline.CheckResult{Name: "Semgrep token"}, config.FieldSemgrepToken},
		{pipeline.CheckResult{Name: "Semgrep deployment"}, config.FieldSemgrepDeployment},
		{pipeline.CheckResult{Name: "something new"}, ""},
	} {
		if got, _ := settingOf(c.r); got != c.want {
			t.Errorf("%s (%s): %q, want %q", c.r.Name, c.r.Hint, got, c.want)
		}
	}
}

func TestEscGoesHome(t *testing.T) {
	m := done(t, allOK(false))
	if got := navigations(t, m, "esc"); len(got) != 1 || got[0] != (common.NavigateMsg{To: common.Home}) {
		t.Errorf("esc navigated %v", got)
	}
	// Asking before the upload probe, esc is "no", not "home".
	m.Update(uitest.Key("u"))
	if got := navigations(t, m, "esc"); len(got) != 0 || m.confirming {
		t.Errorf("esc while asking: navigated %v, still asking %v", got, m.confirming)
	}
}
