// Package syncview is the sync screen: it plans, states what will happen and
// asks, then runs the sync with live steps, a byte progress bar and the
// Wiz activity status, and ends on the run's summary.
package syncview

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// State is where the screen is.
type State int

const (
	Planning   State = iota // reading and planning, nothing sent
	PlanFailed              // the plan could not be built
	Confirming              // the plan is shown; waiting for y
	Running                 // the sync runs
	Done                    // the run's result is shown
	Following               // another process runs a sync; the screen follows it
)

// CancelRequestMsg asks the screen to offer cancelling the running sync
// (the root sends it on ctrl+c). It is the common message, so the root
// need not import this package.
type CancelRequestMsg = common.CancelRequestMsg

// planMsg is a plan's answer; a re-plan makes older ones stale.
type planMsg struct {
	gen     int
	preview *common.Preview
	err     error
}

// resultMsg is the sync's answer.
type resultMsg struct {
	gen int
	res *pipeline.Result
	err error
}

// elapsedMsg redraws the elapsed time once a second while running.
type elapsedMsg struct{ gen int }

// KeyMap are the screen's keys.
type KeyMap struct {
	Start, Back, DryRun, SendAnyway, Replan key.Binding
	Cancel, Yes, No                         key.Binding
	History, Home                           key.Binding
	Up, Down                                key.Binding
}

// DefaultKeyMap is the screen's default key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Start:      key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y/enter", "start")),
		Back:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "back")),
		DryRun:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "dry run")),
		SendAnyway: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "send anyway")),
		Replan:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "plan again")),
		Cancel:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cancel sync")),
		Yes:        key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:         key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
		History:    key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "history of this run")),
		Home:       key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "home")),
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
	}
}

type stepStatus int

const (
	stepPending stepStatus = iota
	stepActive
	stepOK
	stepFailed
	stepStopped // was active when the run ended
)

type step struct {
	id     pipeline.Step
	label  string
	status stepStatus
	msg    string
}

type repoFailure struct{ repo, msg string }

// Model is the sync screen.
type Model struct {
	c    *common.Common
	keys KeyMap

	width, height int
	offset        int

	state State

	planGen int
	preview *common.Preview
	planErr error
	// changed says why the plan is asked again: the run found the data
	// changed in a way the confirmed plan did not show.
	changed string

	// Choices on the confirmation.
	allowMass bool
	dryRun    bool

	runGen     int
	opts       common.SyncOptions
	cancel     context.CancelFunc
	started    time.Time
	askCancel  bool
	cancelling bool
	steps      []step
	bytesDone  int64
	bytesTotal int64
	activity   *pipeline.ActivityInfo
	failures   []repoFailure
	warnings   []string
	result     *pipeline.Result
	runErr     error

	spin     spinner.Model
	spinning bool

	// elsewhere is the sync another process runs, while Following.
	elsewhere  *ledger.Elsewhere
	planCancel context.CancelFunc
}

// New returns the screen; Init starts planning.
func New(c *common.Common) *Model {
	return &Model{c: c, keys: DefaultKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Styles.Accent))}
}

// Init plans the sync, and looks whether another process runs one (then
// it follows that one instead); while one runs it keeps showing it.
func (m *Model) Init() tea.Cmd {
	if m.state == Running || m.state == Following {
		return nil
	}
	return tea.Batch(m.plan(), m.lookElsewhere())
}

// State reports where the screen is.
func (m *Model) State() State { return m.state }

// Result is the finished run's result (nil before).
func (m *Model) Result() *pipeline.Result { return m.result }

func (m *Model) plan() tea.Cmd {
	m.planGen++
	m.state, m.preview, m.planErr, m.offset, m.changed = Planning, nil, nil, 0, ""
	m.allowMass = false
	gen, svc, ctx := m.planGen, m.c.Service, m.planContext()
	run := func() tea.Msg {
		p, err := svc.Preview(ctx, false)
		return planMsg{gen: gen, preview: p, err: err}
	}
	return tea.Batch(run, m.tick())
}

// start runs the sync with the confirmed choices.
func (m *Model) start() tea.Cmd {
	m.runGen++
	m.state, m.offset = Running, 0
	m.opts = common.SyncOptions{AllowMassResolve: m.allowMass, DryRun: m.dryRun, Confirmed: m.preview.Plan}
	m.changed = ""
	m.started = m.c.Now()
	m.resetRun(m.dryRun)
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.cancel = cancel
	gen, svc, opts, sink := m.runGen, m.c.Service, m.opts, m.c.Events
	run := func() tea.Msg {
		res, err := svc.Sync(ctx, opts, sink)
		return resultMsg{gen: gen, res: res, err: err}
	}
	busy := func() tea.Msg { return common.BusyMsg{Busy: true} }
	return tea.Batch(busy, run, m.tick(), m.elapsedTick())
}

func (m *Model) elapsedTick() tea.Cmd {
	gen := m.runGen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return elapsedMsg{gen: gen} })
}

// tick starts the spinner unless a tick is already in flight.
func (m *Model) tick() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

func (m *Model) busy() bool {
	return m.state == Planning || m.state == Running || m.state == Following
}

// Update handles answers, events, ticks and keys.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case planMsg:
		if msg.gen != m.planGen || m.state != Planning {
			return m, nil
		}
		m.preview, m.planErr = msg.preview, msg.err
		switch {
		case msg.err != nil:
			m.state = PlanFailed
		case msg.preview == nil || msg.preview.Plan == nil:
			m.state, m.planErr = PlanFailed, fmt.Errorf("no plan came back")
		default:
			m.state = Confirming
		}
		return m, nil
	case resultMsg:
		if msg.gen != m.runGen || m.state != Running {
			return m, nil
		}
		if errors.Is(msg.err, ledger.ErrLocked) {
			// Another process started one first: follow it instead (or,
			// should it have ended already, plan again).
			return m, tea.Batch(func() tea.Msg { return common.BusyMsg{Busy: false} }, m.plan(), m.lookElsewhere())
		}
		done := m.finish(msg.res, msg.err)
		if errors.Is(msg.err, common.ErrPlanChanged) {
			// Nothing was sent: show the new plan and ask again.
			changed := msg.err.Error()
			cmd := m.plan()
			m.changed = changed
			return m, tea.Batch(done, cmd)
		}
		return m, done
	case elsewhereMsg:
		if msg.gen != m.planGen || msg.e == nil || (m.state != Planning && m.state != Confirming && m.state != PlanFailed) {
			return m, nil
		}
		return m, m.follow(msg.e)
	case followMsg:
		if msg.gen != m.runGen || m.state != Following {
			return m, nil
		}
		return m, m.followed(msg)
	case followTickMsg:
		if msg.gen != m.runGen || m.state != Following {
			return m, nil
		}
		return m, m.readFollowed()
	case common.EventMsg:
		switch {
		case m.state == Running:
			m.event(msg.Event)
		case m.state == Done && m.result != nil && lateKinds[msg.Event.Kind]:
			// The relay may deliver a run's last events after its result.
			m.event(msg.Event)
		}
		return m, nil
	case elapsedMsg:
		if msg.gen != m.runGen || (m.state != Running && m.state != Following) {
			return m, nil // the loop ends with its run
		}
		return m, m.elapsedTick()
	case spinner.TickMsg:
		if msg.ID != m.spin.ID() {
			return m, nil
		}
		if !m.busy() {
			m.spinning = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case CancelRequestMsg:
		if m.state == Running && !m.cancelling {
			m.askCancel = true
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) finish(res *pipeline.Result, err error) tea.Cmd {
	m.state, m.result, m.runErr, m.offset = Done, res, err, 0
	m.askCancel = false
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	for i := range m.steps {
		switch s := &m.steps[i]; s.status {
		case stepActive:
			s.status, s.msg = stepStopped, "stopped"
			switch s.id {
			case pipeline.StepUpload:
				s.msg = "stopped at " + m.bytesLine()
			case pipeline.StepPoll:
				s.msg = "stopped; last seen " + m.activityLine()
			}
		case stepPending:
			m.steps[i].status, m.steps[i].msg = stepStopped, "not reached"
		case stepFailed:
			if res != nil && res.Status == pipeline.StatusCancelled {
				s.status = stepStopped // cancelled, not broken
			}
		}
	}
	return func() tea.Msg { return common.BusyMsg{Busy: false} }
}

// lateKinds are the events still applied once the result is shown: they
// complete the record, and none of them restarts a spinner.
var lateKinds = map[pipeline.Kind]bool{
	pipeline.StepFinished: true, pipeline.StepFailed: true,
	pipeline.RepoFailed: true, pipeline.Warning: true,
}

func (m *Model) stepOf(id pipeline.Step) *step {
	for i := range m.steps {
		if m.steps[i].id == id {
			return &m.steps[i]
		}
	}
	return nil
}

// event folds one pipeline event into the live view.
func (m *Model) event(e pipeline.Event) {
	s := m.stepOf(e.Step)
	switch e.Kind {
	case pipeline.StepStarted:
		if s != nil {
			s.status, s.msg = stepActive, ""
		}
		switch e.Step {
		case pipeline.StepUpload:
			m.bytesDone, m.bytesTotal = 0, e.Total
		case pipeline.StepPoll:
			if e.Message != "" {
				m.activity = &pipeline.ActivityInfo{ID: e.Message, NotFound: true}
			}
		}
	case pipeline.StepProgress:
		if s != nil {
			s.msg = progressText(e)
		}
	case pipeline.StepFinished:
		if s != nil {
			s.status, s.msg = stepOK, finishedText(e)
		}
		if e.Step == pipeline.StepUpload && e.Total > 0 {
			m.bytesDone, m.bytesTotal = e.Total, e.Total
		}
		if e.Activity != nil {
			m.activity = e.Activity
		}
	case pipeline.StepFailed:
		if s != nil {
			s.status, s.msg = stepFailed, e.Message
		}
	case pipeline.RepoFailed:
		m.failures = append(m.failures, repoFailure{repo: e.Repo, msg: e.Message})
	case pipeline.BytesSent:
		m.bytesDone = e.Done
		if e.Total > 0 {
			m.bytesTotal = e.Total
		}
	case pipeline.ActivityStatus:
		if e.Activity != nil {
			m.activity = e.Activity
		}
	case pipeline.Warning:
		if e.Message != "" && !slices.Contains(m.warnings, e.Message) {
			m.warnings = append(m.warnings, e.Message)
		}
	}
}

func progressText(e pipeline.Event) string {
	switch {
	case e.Message != "":
		return e.Message
	case e.Step == pipeline.StepCollect && e.Total > 0:
		s := fmt.Sprintf("%s of %s repositories read", textfmt.Commas(e.Done), textfmt.Commas(e.Total))
		if e.Repo != "" {
			s += " (" + e.Repo + ")"
		}
		return s
	case e.Total > 0:
		return fmt.Sprintf("%s of %s", textfmt.Commas(e.Done), textfmt.Commas(e.Total))
	}
	return ""
}

func finishedText(e pipeline.Event) string {
	switch e.Step {
	case pipeline.StepCollect:
		return fmt.Sprintf("%s %s read", textfmt.Commas(e.Done), plural(e.Done, "repository", "repositories"))
	case pipeline.StepEncode:
		return bytesText(e.Done) + " written"
	case pipeline.StepUpload:
		return bytesText(e.Total) + " sent"
	case pipeline.StepPoll:
		if e.Activity != nil && e.Activity.StatusInfo != "" {
			return e.Activity.Status + " — " + e.Activity.StatusInfo
		}
	}
	return e.Message
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.offset = max(0, m.offset-1)
		return nil
	case key.Matches(msg, k.Down):
		m.offset++
		return nil
	}
	switch m.state {
	case Planning:
		if key.Matches(msg, k.Back) {
			m.planGen++ // the answer is no longer wanted
			return common.Navigate(common.Home, "")
		}
	case PlanFailed:
		if cmd, ok := common.SetUpOnKey(m.planErr, msg); ok {
			return cmd
		}
		switch {
		case key.Matches(msg, k.Replan):
			return m.plan()
		case key.Matches(msg, k.Back):
			return common.Navigate(common.Home, "")
		}
	case Confirming:
		switch {
		case key.Matches(msg, k.Start):
			if m.sendable() {
				return m.start()
			}
		case key.Matches(msg, k.Back):
			return common.Navigate(common.Home, "")
		case key.Matches(msg, k.DryRun):
			m.dryRun = !m.dryRun
		case key.Matches(msg, k.SendAnyway):
			if m.preview.Plan.MassResolveHeld {
				m.allowMass = !m.allowMass
			}
		case key.Matches(msg, k.Replan):
			return m.plan()
		}
	case Running:
		if m.askCancel {
			if key.Matches(msg, k.Yes) {
				m.askCancel, m.cancelling = false, true
				if m.cancel != nil {
					m.cancel()
				}
				return nil
			}
			m.askCancel = false // anything else is "no"
			return nil
		}
		if key.Matches(msg, k.Cancel) && !m.cancelling {
			m.askCancel = true
		}
	case Following:
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Home):
			m.runGen++ // stop reading; the run goes on elsewhere
			m.state = Planning
			return common.Navigate(common.Home, "")
		case key.Matches(msg, k.History):
			if e := m.elsewhere; e != nil && e.Run != nil {
				m.runGen++
				m.state = Planning
				return common.Navigate(common.History, e.Run.ID)
			}
		}
	case Done:
		switch {
		case key.Matches(msg, k.History):
			if m.result != nil && m.result.RunID != "" {
				return common.Navigate(common.History, m.result.RunID)
			}
		case key.Matches(msg, k.Home):
			return common.Navigate(common.Home, "")
		}
	}
	return nil
}

// sendable reports whether y has something to start.
func (m *Model) sendable() bool {
	return m.preview != nil && m.preview.Plan != nil && m.preview.Plan.Totals(m.allowMass).Repositories > 0
}

// SetSize is the area the screen may draw in.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Title names the screen.
func (m *Model) Title() string { return "Sync" }

// InputFocused is always false: the screen has no text input.
func (m *Model) InputFocused() bool { return false }

// ShortHelp lists the keys that apply now.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.state {
	case Planning:
		return []key.Binding{k.Back}
	case PlanFailed:
		return []key.Binding{k.Replan, k.Back}
	case Confirming:
		out := []key.Binding{}
		if m.sendable() {
			out = append(out, k.Start)
		}
		out = append(out, k.Back, k.DryRun)
		if m.preview != nil && m.preview.Plan.MassResolveHeld {
			out = append(out, k.SendAnyway)
		}
		return append(out, k.Replan)
	case Running:
		if m.askCancel {
			return []key.Binding{k.Yes, k.No}
		}
		return []key.Binding{k.Cancel}
	case Following:
		return []key.Binding{k.History, k.Back}
	default:
		return []key.Binding{k.History, k.Home}
	}
}

// FullHelp lists the keys that apply now, with scrolling.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.Up, m.keys.Down}}
}
