// Package setup is the setup wizard: huh forms embedded in the app, one
// page per step (Wiz, Semgrep with the deployment chosen from the live list,
// the policy), a review page that saves, and the confirmation that deletes
// the integration. RunAccessible asks the same questions as plain prompts.
package setup

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// fetchTimeout bounds the deployment listing; esc goes back sooner.
const fetchTimeout = 45 * time.Second

// maxFormWidth keeps descriptions readable on wide terminals.
const maxFormWidth = 100

type page int

const (
	pageNone page = iota - 1
	pageWiz
	pageSemgrep
	pageLoading // listing the deployments the token can see
	pageDeployment
	pagePolicy
	pageReview
	pageTesting // trying the credentials entered, before saving
	pageSaving
	pageDelete
	pageDeleting
	pageDeleted // what was removed and kept
)

func (p page) isForm() bool {
	return p == pageWiz || p == pageSemgrep || p == pageDeployment || p == pagePolicy
}

// steps are the wizard's steps as the header shows them.
var steps = []string{"Wiz", "Semgrep", "Policy", "Review"}

func (p page) step() (int, string) {
	switch p {
	case pageWiz:
		return 1, "Wiz connection"
	case pageSemgrep:
		return 2, "Semgrep"
	case pageLoading, pageDeployment:
		return 2, "Semgrep deployment"
	case pagePolicy:
		return 3, "What to send"
	case pageReview, pageTesting, pageSaving:
		return 4, "Review and save"
	}
	return 0, ""
}

// Messages. Form messages carry the id of the form that sent them, the
// deployment listing a generation: a page left before its answer came
// drops the answer.
type (
	storedMsg struct {
		stored stored
		where  string         // where a save puts the secrets
		cfg    *config.Config // set when the screen loads the configuration itself
	}
	// testedMsg answers a test of the values entered; save: it was the
	// test before a save.
	testedMsg struct {
		gen     int
		results []pipeline.CheckResult
		err     error
		save    bool
	}
	deploymentsMsg struct {
		gen  int
		list []semgrep.Deployment
		err  error
	}
	pageDoneMsg   struct{ id int }
	pageCancelMsg struct{ id int }
	savedMsg      struct{ err error }
	deletedMsg    struct {
		items []config.DeleteItem
		err   error
	}
	deletePlanMsg struct {
		items []config.DeleteItem
		err   error
	}
)

var errNoDeployments = errors.New("the token sees no deployment")

// Model is the setup wizard screen.
type Model struct {
	c    *common.Common
	keys KeyMap

	width, height int

	base   config.Config // what is edited; settings the wizard does not show are kept
	v      values
	stored stored
	ready  bool // the stored-secret flags are known (the first page waits for them)

	page        page
	form        *huh.Form
	formID      int
	reposFields []huh.Field // the policy form's repository group (esc there reopens the policy page)
	errSig      string      // the form's errors when it was last laid out

	gen         int
	cancelFetch context.CancelFunc
	deployments []semgrep.Deployment
	deployErr   error

	saveErr error
	// The test of the values on the review page: the last results (nil
	// when not tested since the values were shown), why it could not run,
	// and the generation that tells a stale answer.
	tested     []pipeline.CheckResult
	testErr    error
	testGen    int
	cancelTest context.CancelFunc
	// where says where a save puts the secrets ("" until known).
	where string

	deleteErr  error
	deleteFrom page // where "keep" returns; pageNone means Home
	// What a delete removes besides the configuration and the secrets,
	// what it would remove and keep, and, once done, what it did.
	deleteChoice config.DeleteChoice
	deleteItems  []config.DeleteItem
	deleted      []config.DeleteItem

	styles map[bool]*huh.Styles

	// loadConfig: Init reads the configuration (NewFromService).
	loadConfig bool
	// startField is the setting (a config.Field* name) the wizard opens
	// at, once the stored secrets are known (StartAt).
	startField string
}

// New builds the wizard. existing is the current configuration
// (c.Service.Config(), secrets blanked): its non-secret settings pre-fill
// the fields; a zero Config starts from the documented defaults.
func New(c *common.Common, existing config.Config) *Model {
	base := startConfig(existing)
	return &Model{c: c, keys: DefaultKeyMap(), base: base, v: valuesFrom(base), page: pageWiz, deleteFrom: pageNone}
}

// NewFromService builds the wizard like New, reading the current
// configuration from c.Service in Init (a command) rather than on the
// event loop.
func NewFromService(c *common.Common) *Model {
	m := New(c, config.Config{})
	m.loadConfig = true
	return m
}

// StartDelete opens the wizard on the delete confirmation (from the home
// screen, say); "keep" then goes Home.
func (m *Model) StartDelete() *Model {
	m.page, m.form, m.deleteFrom, m.deleteErr = pageDelete, nil, pageNone, nil
	return m
}

// StartAt opens the wizard at the page and field of a setting (a
// config.Field* name, from a failing check, say): the deployment opens
// its listing, a setting the wizard does not show its first page.
func (m *Model) StartAt(field string) *Model {
	m.startField = field
	return m
}

// pageOf is the page that edits a setting.
func pageOf(field string) page {
	switch {
	case field == config.FieldSemgrepDeployment:
		return pageDeployment
	case strings.HasPrefix(field, "semgrep."):
		return pageSemgrep
	case strings.HasPrefix(field, "policy."):
		return pagePolicy
	}
	return pageWiz
}

// openAt opens the page of startField and moves the focus to its field
// (the deployment page first lists what the token can see).
func (m *Model) openAt() tea.Cmd {
	field := m.startField
	m.startField = ""
	p := pageOf(field)
	if p == pageDeployment {
		return m.fetch()
	}
	cmd := m.openPage(p)
	return tea.Batch(cmd, m.focusField(field))
}

// focusField moves the open form's focus to the field with this key,
// without validating the fields it passes; unknown keys leave the focus
// on the first field.
func (m *Model) focusField(key string) tea.Cmd {
	if m.form == nil {
		return nil
	}
	var cmds []tea.Cmd
	for range 16 { // a page has a handful of fields
		f := m.form.GetFocusedField()
		if f == nil || f.GetKey() == key {
			return tea.Batch(cmds...)
		}
		cmds = append(cmds, m.form.NextField())
	}
	// Not on this page: back to its first field.
	m.openPage(m.page)
	return nil
}

// Init asks which secrets are stored (the store may be an OS keyring,
// so not in Update).
func (m *Model) Init() tea.Cmd {
	svc, load := m.c.Service, m.loadConfig
	var plan tea.Cmd
	if m.page == pageDelete {
		plan = m.loadDeletePlan()
	}
	ctx := m.c.Ctx
	return tea.Batch(plan, func() tea.Msg {
		msg := storedMsg{stored: storedOf(svc), where: svc.SecretsWhere(ctx)}
		if load {
			cfg := svc.Config()
			msg.cfg = &cfg
		}
		return msg
	})
}

// loadDeletePlan asks what a delete would remove and keep (the secret
// store may be an OS keyring, so not in Update).
func (m *Model) loadDeletePlan() tea.Cmd {
	svc, ctx, c := m.c.Service, m.c.Ctx, m.deleteChoice
	return func() tea.Msg {
		items, err := svc.DeletePlan(ctx, c)
		return deletePlanMsg{items: items, err: err}
	}
}

// Title implements common.Screen.
func (m *Model) Title() string { return "Setup" }

// SetSize implements common.Screen.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.fitForm()
}

// InputFocused is true while a form page is active: the form owns keys.
func (m *Model) InputFocused() bool { return m.formActive() }

func (m *Model) formActive() bool {
	return m.page.isForm() && m.form != nil && m.form.State == huh.StateNormal
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	switch {
	case m.formActive():
		b := append([]key.Binding{}, m.form.KeyBinds()...)
		if m.page == pageWiz {
			return append(b, m.keys.Cancel)
		}
		return append(b, m.keys.Back)
	case m.page == pageWiz:
		return []key.Binding{m.keys.Cancel}
	case m.page == pageLoading:
		return []key.Binding{m.keys.Back}
	case m.page == pageReview:
		return m.reviewKeys()
	case m.page == pageTesting:
		return []key.Binding{m.keys.Back}
	case m.page == pageDelete:
		return []key.Binding{m.keys.Yes, m.keys.No, m.keys.Uploads, m.keys.History}
	case m.page == pageDeleted:
		return []key.Binding{m.keys.Done}
	}
	return nil
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case storedMsg:
		m.stored, m.ready, m.where = msg.stored, true, msg.where
		if msg.cfg != nil && m.form == nil {
			m.base = startConfig(*msg.cfg)
			m.v = valuesFrom(m.base)
		}
		if m.page == pageWiz && m.form == nil {
			if m.startField != "" {
				return m, m.openAt()
			}
			return m, m.openPage(pageWiz)
		}
		return m, nil
	case deploymentsMsg:
		if msg.gen != m.gen || m.page != pageLoading {
			return m, nil
		}
		m.cancelFetch = nil
		m.deployments, m.deployErr = msg.list, msg.err
		if m.deployErr == nil && len(m.deployments) == 0 {
			m.deployErr = errNoDeployments
		}
		if m.deployErr == nil && !m.listed(m.v.Deployment) {
			m.v.Deployment = m.deployments[0].Slug
		}
		return m, m.openPage(pageDeployment)
	case pageDoneMsg:
		if msg.id == m.formID && m.form != nil && m.form.State == huh.StateCompleted {
			return m, m.next()
		}
		return m, nil
	case pageCancelMsg:
		if msg.id == m.formID {
			return m, common.Navigate(common.Home, "")
		}
		return m, nil
	case testedMsg:
		return m, m.testDone(msg)
	case savedMsg:
		return m, m.saved(msg.err)
	case deletePlanMsg:
		if msg.err == nil {
			m.deleteItems = msg.items
		}
		return m, nil
	case deletedMsg:
		if m.page != pageDeleting {
			return m, nil
		}
		if msg.err != nil {
			m.page, m.deleteErr = pageDelete, msg.err
			return m, nil
		}
		// Stay to say what was removed and what was kept.
		m.page, m.deleted = pageDeleted, msg.items
		return m, func() tea.Msg { return common.ConfigChangedMsg{Deleted: true} }
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	// Everything else (huh's field and group messages, cursor blinks)
	// belongs to the form.
	if m.formActive() {
		return m, m.forward(msg)
	}
	return m, nil
}

func (m *Model) listed(slug string) bool {
	for _, d := range m.deployments {
		if d.Slug == slug {
			return true
		}
	}
	return false
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch m.page {
	case pageWiz, pageSemgrep, pageDeployment, pagePolicy:
		if !m.formActive() {
			if key.Matches(msg, m.keys.Cancel) && m.page == pageWiz {
				return common.Navigate(common.Home, "")
			}
			return nil
		}
		if key.Matches(msg, m.keys.Back) && !m.filtering() {
			if m.page == pagePolicy && m.inReposGroup() {
				return m.openPage(pagePolicy)
			}
			return m.back()
		}
		return m.forward(msg)
	case pageLoading:
		if key.Matches(msg, m.keys.Back) {
			return m.back()
		}
	case pageTesting:
		if key.Matches(msg, m.keys.Back) {
			m.stopTest()
			m.page = pageReview
		}
	case pageReview:
		switch {
		case key.Matches(msg, m.keys.Save):
			if m.tested != nil && !m.failed() {
				return m.save() // just tested, and the values cannot have changed here
			}
			return m.test(true)
		case key.Matches(msg, m.keys.Test):
			return m.test(false)
		case key.Matches(msg, m.keys.SaveAnyway):
			return m.save()
		case key.Matches(msg, m.keys.Edit):
			if f, ok := m.failingField(); ok {
				m.clearTest()
				m.startField = f
				return m.openAt()
			}
		case key.Matches(msg, m.keys.Back):
			m.clearTest()
			return m.back()
		case key.Matches(msg, m.keys.Delete):
			m.page, m.deleteFrom, m.deleteErr = pageDelete, pageReview, nil
			return m.loadDeletePlan()
		}
	case pageDelete:
		switch {
		case key.Matches(msg, m.keys.Yes):
			m.page, m.deleteErr = pageDeleting, nil
			svc, ctx, c := m.c.Service, m.c.Ctx, m.deleteChoice
			return func() tea.Msg {
				items, err := svc.DeleteConfig(ctx, c)
				return deletedMsg{items: items, err: err}
			}
		case key.Matches(msg, m.keys.Uploads):
			m.deleteChoice.UploadFiles = !m.deleteChoice.UploadFiles
		case key.Matches(msg, m.keys.History):
			m.deleteChoice.History = !m.deleteChoice.History
		case key.Matches(msg, m.keys.No):
			if m.deleteFrom == pageNone {
				return common.Navigate(common.Home, "")
			}
			m.page = m.deleteFrom
		}
	case pageDeleted:
		if key.Matches(msg, m.keys.Done) {
			return common.Navigate(common.Home, "")
		}
	}
	return nil
}

// forward hands a message to the form and takes the form back.
func (m *Model) forward(msg tea.Msg) tea.Cmd {
	mod, cmd := m.form.Update(msg)
	if f, ok := mod.(*huh.Form); ok {
		m.form = f
	}
	if errSig(m.form) != m.errSig {
		return tea.Batch(cmd, m.fitForm())
	}
	return cmd
}

// filtering reports a select whose filter has the keys (esc is its own).
func (m *Model) filtering() bool {
	switch f := m.form.GetFocusedField().(type) {
	case *huh.Select[string]:
		return f.GetFiltering()
	case *huh.MultiSelect[string]:
		return f.GetFiltering()
	}
	return false
}

func (m *Model) inReposGroup() bool {
	f := m.form.GetFocusedField()
	for _, r := range m.reposFields {
		if f == r {
			return true
		}
	}
	return false
}

func (m *Model) env() *env { return &env{v: &m.v, base: m.base, stored: m.stored} }

// openPage builds the form of a page from the current values.
func (m *Model) openPage(p page) tea.Cmd {
	m.page = p
	e := m.env()
	switch p {
	case pageWiz:
		m.form = m.newForm(e.wizGroup(true))
	case pageSemgrep:
		m.form = m.newForm(e.semgrepGroup(true))
	case pageDeployment:
		m.form = m.newForm(e.deploymentGroup(m.deployments, m.deployErr))
	case pagePolicy:
		repos, fields := e.reposGroup()
		m.form = m.newForm(e.policyGroup(), repos)
		m.reposFields = fields
	}
	init := m.form.Init()
	return tea.Batch(init, m.fitForm())
}

func (m *Model) newForm(groups ...*huh.Group) *huh.Form {
	m.formID++
	id := m.formID
	f := huh.NewForm(groups...).
		WithShowHelp(false).
		WithShowErrors(false). // drawn by View, where the layout can make room
		WithTheme(huh.ThemeFunc(m.formStyles))
	f.SubmitCmd = func() tea.Msg { return pageDoneMsg{id: id} }
	f.CancelCmd = func() tea.Msg { return pageCancelMsg{id: id} }
	m.errSig = ""
	return f
}

// formStyles ignores huh's own idea of the background: the root learns
// it and keeps c.Styles up to date.
func (m *Model) formStyles(bool) *huh.Styles {
	dark := m.c.Styles.IsDark
	if s, ok := m.styles[dark]; ok {
		return s
	}
	if m.styles == nil {
		m.styles = map[bool]*huh.Styles{}
	}
	m.styles[dark] = formTheme(m.c.Styles)
	return m.styles[dark]
}

// next follows a completed page.
func (m *Model) next() tea.Cmd {
	switch m.page {
	case pageWiz:
		return m.openPage(pageSemgrep)
	case pageSemgrep:
		return m.fetch()
	case pageDeployment:
		return m.openPage(pagePolicy)
	case pagePolicy:
		m.page, m.form, m.saveErr = pageReview, nil, nil
	}
	return nil
}

// back goes one page back; on the first page it cancels the wizard.
func (m *Model) back() tea.Cmd {
	switch m.page {
	case pageWiz:
		return common.Navigate(common.Home, "")
	case pageSemgrep:
		return m.openPage(pageWiz)
	case pageDeployment:
		return m.openPage(pageSemgrep)
	case pageLoading:
		m.stopFetch()
		return m.openPage(pageSemgrep)
	case pagePolicy:
		return m.openPage(pageDeployment)
	case pageReview:
		return m.openPage(pagePolicy)
	}
	return nil
}

// fetch lists the deployments the token can see, off the event loop.
func (m *Model) fetch() tea.Cmd {
	m.stopFetch()
	m.gen++
	gen := m.gen
	m.page, m.form = pageLoading, nil
	m.deployments, m.deployErr = nil, nil
	apiURL := m.v.apply(m.base).Semgrep.APIURL
	token := strings.TrimSpace(m.v.Token)
	ctx, cancel := context.WithTimeout(m.c.Ctx, fetchTimeout)
	m.cancelFetch = cancel
	svc := m.c.Service
	return func() tea.Msg {
		defer cancel()
		list, err := svc.Deployments(ctx, apiURL, token)
		return deploymentsMsg{gen: gen, list: list, err: err}
	}
}

func (m *Model) stopFetch() {
	if m.cancelFetch != nil {
		m.cancelFetch()
		m.cancelFetch = nil
	}
	m.gen++
}

func (m *Model) save() tea.Cmd {
	m.stopTest()
	cfg := m.v.apply(m.base)
	ws, st := strings.TrimSpace(m.v.WizSecret), strings.TrimSpace(m.v.Token)
	m.page, m.saveErr = pageSaving, nil
	svc, ctx := m.c.Service, m.c.Ctx
	return func() tea.Msg { return savedMsg{err: svc.SaveConfig(ctx, cfg, ws, st)} }
}

func (m *Model) saved(err error) tea.Cmd {
	if m.page != pageSaving {
		return nil
	}
	if err != nil {
		m.page, m.saveErr = pageReview, err
		return nil
	}
	// The secrets are in the store now; drop our copies.
	m.stored.wiz = m.stored.wiz || strings.TrimSpace(m.v.WizSecret) != ""
	m.stored.semgrep = m.stored.semgrep || strings.TrimSpace(m.v.Token) != ""
	m.v.WizSecret, m.v.Token = "", ""
	m.page = pageReview
	return tea.Batch(
		func() tea.Msg { return common.ConfigChangedMsg{} },
		common.Navigate(common.Check, ""))
}

var _ common.Screen = (*Model)(nil)
