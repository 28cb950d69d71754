package setup

import "charm.land/bubbles/v2/key"

// KeyMap are the wizard's own keys; on the form pages huh's field keys
// (enter, tab, shift+tab, space…) come from the form itself.
type KeyMap struct {
	Back, Cancel, Save, Delete, Yes, No key.Binding
	Uploads, History, Done              key.Binding
	// On the review page: test the values without saving, save without
	// testing, and edit the setting a failed test points at.
	Test, SaveAnyway, Edit key.Binding
}

// DefaultKeyMap is the wizard's default key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel setup")),
		Save:    key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter", "test and save")),
		Delete:  key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "delete the integration")),
		Yes:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "delete")),
		No:      key.NewBinding(key.WithKeys("n", "N", "esc", "enter"), key.WithHelp("n", "keep")),
		Uploads: key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "also remove upload files")),
		History: key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "also remove the history")),
		Done:    key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "home")),

		Test:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test only")),
		SaveAnyway: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "save without testing")),
		Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit the failing setting")),
	}
}
