package findings

import (
	"charm.land/bubbles/v2/key"

	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
)

// KeyMap are the findings screen's keys (the table's movement keys are in
// Table).
type KeyMap struct {
	Table                                        vtable.KeyMap
	Filter, Detail, Focus, Sort, Reverse         key.Binding
	Excluded, Totals, Reload, Back               key.Binding
	ApplyFilter, ClearFilter                     key.Binding
	ScrollUp, ScrollDown, ScrollPgUp, ScrollPgDn key.Binding
	ScrollTop, ScrollEnd                         key.Binding
}

// DefaultKeyMap is the default findings key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Table:       vtable.DefaultKeyMap(),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Detail:      key.NewBinding(key.WithKeys("enter", "d"), key.WithHelp("enter/d", "detail")),
		Focus:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "table ↔ detail")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort column")),
		Reverse:     key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Excluded:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "show/hide excluded")),
		Totals:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "per-repository totals")),
		Reload:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close / clear / back")),
		ApplyFilter: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		ScrollUp:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		ScrollDown:  key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		ScrollPgUp:  key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		ScrollPgDn:  key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		ScrollTop:   key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "detail top")),
		ScrollEnd:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "detail end")),
	}
}
