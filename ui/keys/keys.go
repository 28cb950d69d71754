// Package keys holds the global key map. Screens define their own maps in
// their packages, with the same conventions (Bubbles v2 key.Binding with
// help text).
package keys

import "charm.land/bubbles/v2/key"

// Global are the keys every screen shares; the root handles them.
type Global struct {
	Quit, ForceQuit, Help, Back                    key.Binding
	Up, Down, Top, Bottom, PageUp, PageDown        key.Binding
	Filter, Enter                                  key.Binding
	GoHome, GoCheck, GoFindings, GoSync, GoHistory key.Binding
}

// DefaultGlobal is the default global key map.
func DefaultGlobal() Global {
	return Global{
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		GoHome:     key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "home")),
		GoCheck:    key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "check")),
		GoFindings: key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "preview")),
		GoSync:     key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "sync")),
		GoHistory:  key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "history")),
	}
}
