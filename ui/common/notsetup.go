package common

import (
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
)

// NotSetUpError is what the service returns when required settings are
// set nowhere: the screens point to the wizard rather than to environment
// variables. The service sets its Hint to SetUpHint.
type NotSetUpError = app.NotSetUpError

// SetUpHint is what an unconfigured screen says to do.
const SetUpHint = "Press s to set up: the wizard asks for each setting."

// IsNotSetUp reports a NotSetUpError.
func IsNotSetUp(err error) bool {
	var e *NotSetUpError
	return errors.As(err, &e)
}

// SetUpKey is the key an unconfigured screen offers.
var SetUpKey = key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "set up"))

// SetUpOnKey opens the wizard when err says nothing is set up and msg is
// the set-up key; ok is false otherwise.
func SetUpOnKey(err error, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if !IsNotSetUp(err) || !key.Matches(msg, SetUpKey) {
		return nil, false
	}
	return Navigate(Setup, ""), true
}
