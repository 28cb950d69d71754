package findings

import (
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// Goldens at the screen's area in 80×24 and 120×40 terminals (the root
// keeps two lines).
func TestGoldens(t *testing.T) {
	sizes := []struct {
		name string
		w, h int
	}{{"80x24", 80, 22}, {"120x40", 120, 38}}
	for _, sz := range sizes {
		golden := func(state string, m *Model) {
			t.Helper()
			name := "findings-" + sz.name
			if state != "" {
				name += "-" + state
			}
			assertFits(t, m, sz.w, sz.h)
			uitest.Golden(t, name, m.View())
		}

		svc, _ := fake(t)
		m := New(uitest.Common(svc))
		m.SetSize(sz.w, sz.h)
		cmd := m.Init()
		golden("loading", m)
		drive(t, m, cmd)
		golden("", m)

		selectWizID(t, m, "sg-c40e5d7719")
		press(t, m, "enter")
		golden("detail", m)
		press(t, m, "esc")

		press(t, m, "/")
		typeText(t, m, "sql")
		press(t, m, "enter", "/")
		golden("filter", m)
		press(t, m, "esc")

		press(t, m, "t")
		golden("totals", m)
	}
}
