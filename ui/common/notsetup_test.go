package common

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestNotSetUpPointsToTheWizard(t *testing.T) {
	base := errors.New("wiz.client_id: is not set — set WIZ_CLIENT_ID")
	err := fmt.Errorf("loading: %w", &NotSetUpError{Settings: []string{"wiz.client_id"}, Err: base, Hint: SetUpHint})
	if !IsNotSetUp(err) || !errors.Is(err, base) {
		t.Fatal("the wrapped error is not recognised")
	}
	if s := err.Error(); !strings.Contains(s, "press s to set up") && !strings.Contains(s, "Press s to set up") || strings.Contains(s, "WIZ_CLIENT_ID") {
		t.Errorf("the message does not point to the wizard, or names environment variables: %q", s)
	}
	cmd, ok := SetUpOnKey(err, tea.KeyPressMsg{Code: 's', Text: "s"})
	if !ok || cmd == nil {
		t.Fatal("s does not open the wizard")
	}
	if msg, _ := cmd().(NavigateMsg); msg.To != Setup {
		t.Errorf("s navigates to %v", msg.To)
	}
	if _, ok := SetUpOnKey(base, tea.KeyPressMsg{Code: 's', Text: "s"}); ok {
		t.Error("s opens the wizard for an error that is not about missing settings")
	}
}
