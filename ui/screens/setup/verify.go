package setup

import (
	"context"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// testTimeout bounds a test of the values entered (a token, three small
// GraphQL calls, the deployment list, each with its retries); esc stops it
// sooner.
const testTimeout = 90 * time.Second

// Names of the check rows the wizard treats specially: core's own.
const (
	checkWizToken      = wiz.CheckToken
	checkWizDataCenter = wiz.CheckDataCenter
	checkSemgrepToken  = semgrep.CheckToken
	checkSemgrepDeploy = semgrep.CheckDeployment
	scopeIngestion     = wiz.ScopeIngestion
)

// storedOf asks the service which secrets are stored and which of them
// Wiz or Semgrep last refused (it may read an OS keyring: call it from a
// command).
func storedOf(svc common.Service) stored {
	return stored{
		wiz:             svc.HasSecret(config.SecretWizClientSecret),
		semgrep:         svc.HasSecret(config.SecretSemgrepToken),
		wizRejected:     svc.SecretRejected(config.SecretWizClientSecret),
		semgrepRejected: svc.SecretRejected(config.SecretSemgrepToken),
	}
}

// test tries the values entered (not the saved ones) off the event loop;
// with save, a test that passes saves at once.
func (m *Model) test(save bool) tea.Cmd {
	m.stopTest()
	m.testGen++
	gen := m.testGen
	m.page, m.saveErr = pageTesting, nil
	m.tested, m.testErr = nil, nil
	cfg := m.v.apply(m.base)
	ws, st := strings.TrimSpace(m.v.WizSecret), strings.TrimSpace(m.v.Token)
	ctx, cancel := context.WithTimeout(m.c.Ctx, testTimeout)
	m.cancelTest = cancel
	svc := m.c.Service
	return func() tea.Msg {
		defer cancel()
		rs, err := svc.TestCredentials(ctx, cfg, ws, st)
		return testedMsg{gen: gen, results: rs, err: err, save: save}
	}
}

// testDone shows the results; a test before a save that passed saves.
func (m *Model) testDone(msg testedMsg) tea.Cmd {
	if msg.gen != m.testGen || m.page != pageTesting {
		return nil // stopped, or superseded
	}
	m.cancelTest = nil
	m.tested, m.testErr = msg.results, msg.err
	m.noteRejections(msg.results)
	if msg.err == nil && msg.save && pipeline.Passed(msg.results) {
		return m.save()
	}
	m.page = pageReview
	return nil
}

// noteRejections remembers a stored secret the test saw refused, so its
// field no longer calls it simply "stored".
func (m *Model) noteRejections(rs []pipeline.CheckResult) {
	m.stored.note(rs, m.v.WizSecret, m.v.Token)
}

// note takes a test's verdict on the stored secrets it used: a typed
// secret is not the stored one, and only a pass or a refusal is a verdict.
func (s *stored) note(rs []pipeline.CheckResult, typedWiz, typedSemgrep string) {
	for _, r := range rs {
		verdict := !r.Skipped && (r.OK || r.Rejected)
		switch {
		case !verdict:
		case r.Name == checkWizToken && strings.TrimSpace(typedWiz) == "":
			s.wizRejected = r.Rejected
		case r.Name == checkSemgrepToken && strings.TrimSpace(typedSemgrep) == "":
			s.semgrepRejected = r.Rejected
		}
	}
}

func (m *Model) stopTest() {
	if m.cancelTest != nil {
		m.cancelTest()
		m.cancelTest = nil
	}
	m.testGen++
}

// clearTest forgets the results: the values are about to change.
func (m *Model) clearTest() {
	m.stopTest()
	m.tested, m.testErr = nil, nil
}

// failed reports a test that ran and found something wrong.
func (m *Model) failed() bool {
	return m.testErr != nil || (m.tested != nil && !pipeline.Passed(m.tested))
}

// failingField is the setting to edit for the first failed test.
func (m *Model) failingField() (string, bool) {
	if m.page != pageReview {
		return "", false
	}
	for _, r := range m.tested {
		if !r.OK && !r.Skipped {
			if f := fieldOf(r); f != "" {
				return f, true
			}
		}
	}
	return "", false
}

// fieldOf maps a failed test to the wizard field that fixes it. Core's
// hint tells a wrong URL from refused credentials.
func fieldOf(r pipeline.CheckResult) string {
	hint := strings.ToLower(r.Hint)
	switch r.Name {
	case checkWizToken:
		switch {
		case r.Rejected:
			return config.FieldWizClientSecret
		case strings.Contains(hint, "authentication url"), strings.Contains(hint, "wiz_auth_url"):
			return config.FieldWizAuthURL
		}
		return config.FieldWizClientID
	case checkWizDataCenter:
		return config.FieldWizAPIEndpoint
	case checkSemgrepToken:
		if !r.Rejected && strings.Contains(hint, "semgrep_api_url") {
			return config.FieldSemgrepAPIURL
		}
		return config.FieldSemgrepToken
	case checkSemgrepDeploy:
		return config.FieldSemgrepDeployment
	}
	// A permission probe: the endpoint when Wiz says it is the wrong one,
	// else the service account.
	if strings.Contains(hint, "api endpoint") {
		return config.FieldWizAPIEndpoint
	}
	return config.FieldWizClientID
}

// shownResults are the rows the review page and the plain prompts show:
// not the upload probe (the wizard never allocates an upload slot), nor the
// checks an earlier failure skipped (counted instead).
func shownResults(rs []pipeline.CheckResult) (shown []pipeline.CheckResult, notRun int) {
	for _, r := range rs {
		switch {
		case r.Name == scopeIngestion && r.Skipped:
		case r.Skipped && r.NeedsEarlier:
			notRun++
		default:
			shown = append(shown, r)
		}
	}
	return shown, notRun
}

// reviewKeys are the review page's keys as they apply now.
func (m *Model) reviewKeys() []key.Binding {
	save := m.keys.Save
	switch {
	case m.failed():
		sa := m.keys.SaveAnyway
		sa.SetHelp("S", "save anyway")
		t := m.keys.Test
		t.SetHelp("t", "test again")
		out := []key.Binding{sa, t, m.keys.Back}
		if f, ok := m.failingField(); ok {
			e := m.keys.Edit
			e.SetHelp("e", "edit "+strings.ToLower(label(f)))
			out = append([]key.Binding{e}, out...)
		}
		return out
	case m.tested != nil:
		save.SetHelp("enter", "save")
	}
	return []key.Binding{save, m.keys.Test, m.keys.SaveAnyway, m.keys.Back, m.keys.Delete}
}
