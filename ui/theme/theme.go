// Package theme turns a small palette of tokens into the Lip Gloss styles
// every screen uses. Screens never name colours: they use Styles fields.
package theme

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Palette is the set of colour tokens.
type Palette struct {
	Fg, Muted, Subtle, Accent, Border color.Color
	OK, Warn, Err, Info               color.Color
	SevCritical, SevHigh, SevMedium   color.Color
	SevLow                            color.Color
	SelectedBg, SelectedFg            color.Color
}

// Dark and Light are the two palettes; the app picks one from the
// terminal's background colour.
func Dark() Palette {
	return Palette{
		Fg: lipgloss.Color("#E6E6E6"), Muted: lipgloss.Color("#9A9A9A"), Subtle: lipgloss.Color("#5C5C5C"),
		Accent: lipgloss.Color("#7AA2F7"), Border: lipgloss.Color("#44475A"),
		OK: lipgloss.Color("#9ECE6A"), Warn: lipgloss.Color("#E0AF68"), Err: lipgloss.Color("#F7768E"), Info: lipgloss.Color("#7DCFFF"),
		SevCritical: lipgloss.Color("#FF5F87"), SevHigh: lipgloss.Color("#FF9E64"), SevMedium: lipgloss.Color("#E0AF68"), SevLow: lipgloss.Color("#7DCFFF"),
		SelectedBg: lipgloss.Color("#2E3C64"), SelectedFg: lipgloss.Color("#FFFFFF"),
	}
}

func Light() Palette {
	return Palette{
		Fg: lipgloss.Color("#1F2328"), Muted: lipgloss.Color("#57606A"), Subtle: lipgloss.Color("#8C959F"),
		Accent: lipgloss.Color("#0550AE"), Border: lipgloss.Color("#D0D7DE"),
		OK: lipgloss.Color("#1A7F37"), Warn: lipgloss.Color("#9A6700"), Err: lipgloss.Color("#CF222E"), Info: lipgloss.Color("#0969DA"),
		SevCritical: lipgloss.Color("#A40E26"), SevHigh: lipgloss.Color("#BC4C00"), SevMedium: lipgloss.Color("#9A6700"), SevLow: lipgloss.Color("#0969DA"),
		SelectedBg: lipgloss.Color("#DDF4FF"), SelectedFg: lipgloss.Color("#0A3069"),
	}
}

// Styles are the styles screens draw with.
type Styles struct {
	IsDark bool

	App, Title, Subtitle, Text, Muted, Subtle, Accent lipgloss.Style
	Border, Panel, Header, StatusBar, Help, Key       lipgloss.Style
	OK, Warn, Err, Info                               lipgloss.Style
	Selected, TableHeader, TableCell                  lipgloss.Style
	SevCritical, SevHigh, SevMedium, SevLow           lipgloss.Style
	Button, ButtonActive                              lipgloss.Style
}

// New builds Styles from a palette.
func New(p Palette, isDark bool) Styles {
	s := lipgloss.NewStyle
	return Styles{
		IsDark:       isDark,
		App:          s().Foreground(p.Fg),
		Title:        s().Bold(true).Foreground(p.Accent),
		Subtitle:     s().Bold(true).Foreground(p.Fg),
		Text:         s().Foreground(p.Fg),
		Muted:        s().Foreground(p.Muted),
		Subtle:       s().Foreground(p.Subtle),
		Accent:       s().Foreground(p.Accent),
		Border:       s().Foreground(p.Border),
		Panel:        s().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border).Padding(0, 1),
		Header:       s().Bold(true).Foreground(p.Fg),
		StatusBar:    s().Foreground(p.Muted),
		Help:         s().Foreground(p.Muted),
		Key:          s().Bold(true).Foreground(p.Accent),
		OK:           s().Foreground(p.OK),
		Warn:         s().Foreground(p.Warn),
		Err:          s().Foreground(p.Err),
		Info:         s().Foreground(p.Info),
		Selected:     s().Background(p.SelectedBg).Foreground(p.SelectedFg).Bold(true),
		TableHeader:  s().Bold(true).Foreground(p.Muted),
		TableCell:    s().Foreground(p.Fg),
		SevCritical:  s().Bold(true).Foreground(p.SevCritical),
		SevHigh:      s().Foreground(p.SevHigh),
		SevMedium:    s().Foreground(p.SevMedium),
		SevLow:       s().Foreground(p.SevLow),
		Button:       s().Padding(0, 2).Foreground(p.Fg).Background(p.Border),
		ButtonActive: s().Padding(0, 2).Bold(true).Foreground(p.SelectedFg).Background(p.Accent),
	}
}

// Default is the dark theme; the app switches when the terminal reports
// a light background.
func Default() Styles { return New(Dark(), true) }

// For picks the theme for a background.
func For(isDark bool) Styles {
	if isDark {
		return New(Dark(), true)
	}
	return New(Light(), false)
}
