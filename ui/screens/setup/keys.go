package setup

import "charm.land/bubbles/v2/key"

// KeyMap are the wizard's own keys; on the form pages huh's field keys
// (enter, tab, shift+tab, space…) come from the form itself.
type KeyMap struct {
	Back, Cancel, Save, Delete, Yes, No key.Binding
	Uploads, History, Done              key.Binding
}

// DefaultKeyMap is the wizard's default key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel setup")),
		Save:    key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter", "save")),
		Delete:  key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "delete the integration")),
		Yes:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "delete")),
		No:      key.NewBinding(key.WithKeys("n", "N", "esc", "enter"), key.WithHelp("n", "keep")),
		Uploads: key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "also remove upload files")),
		History: key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "also remove the history")),
		Done:    key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "home")),
	}
}
