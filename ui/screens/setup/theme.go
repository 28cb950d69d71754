package setup

import (
	"charm.land/bubbles/v2/help"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// formTheme dresses huh's fields in our Styles, so the form matches the
// rest of the app in light and dark. States carry symbols as well as
// colour: [✓]/[ ] for chosen options, ✗ for errors, [brackets] round the
// chosen button.
func formTheme(s theme.Styles) *huh.Styles {
	t := huh.ThemeBase(s.IsDark)
	f := &t.Focused
	f.Base = f.Base.BorderForeground(s.Accent.GetForeground())
	f.Card = f.Base
	f.Title = s.Title
	f.NoteTitle = s.Title
	f.Description = s.Muted
	f.ErrorIndicator = s.Err.SetString(" ✗")
	f.ErrorMessage = s.Err.SetString("✗")
	f.SelectSelector = s.Accent.SetString("> ")
	f.NextIndicator = s.Accent.MarginLeft(1).SetString("→")
	f.PrevIndicator = s.Accent.MarginRight(1).SetString("←")
	f.Option = s.Text
	f.MultiSelectSelector = s.Accent.SetString("> ")
	f.SelectedOption = s.Text
	f.SelectedPrefix = s.OK.SetString("[✓] ")
	f.UnselectedOption = s.Text
	f.UnselectedPrefix = s.Muted.SetString("[ ] ")
	// Same width either way; only the chosen one has brackets.
	f.FocusedButton = s.ButtonActive.MarginRight(1).Transform(func(x string) string { return "[" + x + "]" })
	f.BlurredButton = s.Button.MarginRight(1).Transform(func(x string) string { return " " + x + " " })
	f.Next = f.FocusedButton
	f.TextInput.Cursor = s.Accent
	f.TextInput.Placeholder = s.Subtle
	f.TextInput.Prompt = s.Accent
	f.TextInput.Text = s.Text

	t.Blurred = t.Focused
	b := &t.Blurred
	b.Base = f.Base.BorderStyle(lipgloss.HiddenBorder())
	b.Card = b.Base
	b.Title = s.Subtitle
	b.SelectSelector = s.Muted.SetString("> ") // the choice stays visible when the field is left
	b.MultiSelectSelector = lipgloss.NewStyle().SetString("  ")
	b.NextIndicator = lipgloss.NewStyle()
	b.PrevIndicator = lipgloss.NewStyle()
	b.TextInput.Prompt = s.Muted

	t.Group.Title = s.Title
	t.Group.Description = s.Muted
	t.Help = help.Styles{
		Ellipsis: s.Help, ShortKey: s.Key, ShortDesc: s.Help, ShortSeparator: s.Subtle,
		FullKey: s.Key, FullDesc: s.Help, FullSeparator: s.Subtle,
	}
	return t
}
