package textfmt

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

func TestCommas(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"},
		{123456, "123,456"}, {1234567, "1,234,567"}, {-5, "-5"}, {-999, "-999"},
		{-1000, "-1,000"}, {-123456, "-123,456"}, {-1234567, "-1,234,567"},
		{math.MaxInt64, "9,223,372,036,854,775,807"},
		{math.MinInt64, "-9,223,372,036,854,775,808"},
	} {
		if got := Commas(tc.n); got != tc.want {
			t.Errorf("Commas(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := Commas(int64(1 << 40)); got != "1,099,511,627,776" {
		t.Errorf("Commas(int64 1<<40) = %q", got)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "in the future (check the clock)"},
		{0, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{119 * time.Second, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{30 * time.Hour, "30 hours ago"},
		{47*time.Hour + 59*time.Minute, "47 hours ago"},
		{48 * time.Hour, "2 days ago"},
		{1500 * 24 * time.Hour, "1,500 days ago"},
	} {
		if got := Ago(now, now.Add(-tc.d)); got != tc.want {
			t.Errorf("Ago(-%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0s"},
		{4200 * time.Millisecond, "4.2s"},
		{9900 * time.Millisecond, "9.9s"},
		{10 * time.Second, "10s"},
		{59 * time.Second, "59s"},
		{time.Minute, "1m00s"},
		{3*time.Minute + 5*time.Second, "3m05s"},
		{time.Hour, "1h00m"},
		{2*time.Hour + 10*time.Minute + 59*time.Second, "2h10m"},
		{30 * time.Hour, "30h00m"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{1 << 20, "1.0 MiB"}, {5 * 1 << 20 / 2, "2.5 MiB"}, {1 << 30, "1.0 GiB"},
		{3 << 30, "3.0 GiB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestOneLineOrDash(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"  two\n lines\t here  ", "two lines here"},
		{"a\r\n\r\nb", "a b"},
	} {
		if got := OneLine(tc.in); got != tc.want {
			t.Errorf("OneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "—"}, {" ", " "}, {"main", "main"},
	} {
		if got := OrDash(tc.in); got != tc.want {
			t.Errorf("OrDash(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncPad(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"日本語テキスト", 5, "日本…"},
	} {
		if got := Trunc(tc.in, tc.w); got != tc.want {
			t.Errorf("Trunc(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"ab", 5, "ab   "},
		{"abcdef", 3, "abcdef"}, // never cuts
		{"", 2, "  "},
		{"日本", 6, "日本  "}, // counts cells, not bytes or runes
		{"x", -1, "x"},
	} {
		if got := Pad(tc.in, tc.w); got != tc.want {
			t.Errorf("Pad(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
}

func TestWrapWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want []string
	}{
		{"", 10, []string{""}},
		{"anything", 0, []string{""}},
		{"one two three", 20, []string{"one two three"}},
		{"one two three", 7, []string{"one two", "three"}},
		{"one two three", 3, []string{"one", "two", "thr", "ee"}},
		{"run semgrep-wiz sync --allow-mass-resolve now", 22,
			[]string{"run semgrep-wiz sync", "--allow-mass-resolve", "now"}},
		{"see https://example.com/a/very/long/path", 10,
			[]string{"see", "https://ex", "ample.com/", "a/very/lon", "g/path"}},
		{"  spaced\n\nout\ttext  ", 20, []string{"spaced out text"}},
		{"日本語 テキスト", 6, []string{"日本語", "テキス", "ト"}},
	} {
		got := WrapWords(tc.in, tc.w)
		if !slices.Equal(got, tc.want) {
			t.Errorf("WrapWords(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
		for _, l := range got {
			if tc.w > 0 && ansi.StringWidth(l) > tc.w {
				t.Errorf("WrapWords(%q, %d): line %q wider than %d", tc.in, tc.w, l, tc.w)
			}
		}
	}
}

func TestStatusWord(t *testing.T) {
	st := theme.Default()
	for _, tc := range []struct {
		status, word string
		style        string // which theme style, by name
	}{
		{"success", "✓ success", "OK"},
		{"partial", "! partial", "Warn"},
		{"failure", "✗ failure", "Err"},
		{"interrupted", "✗ interrupted", "Err"},
		{"cancelled", "✗ cancelled", "Warn"},
		{"skipped", "– skipped", "Muted"},
		{"dry_run", "• dry run", "Info"},
		{"nothing_to_do", "• nothing to do", "Muted"},
		{"running", "… running", "Info"},
		{"", "?", "Muted"},
		{"some_new_state", "• some new state", "Text"},
	} {
		want := map[string]string{
			"OK": st.OK.Render("x"), "Warn": st.Warn.Render("x"), "Err": st.Err.Render("x"),
			"Muted": st.Muted.Render("x"), "Info": st.Info.Render("x"), "Text": st.Text.Render("x"),
		}[tc.style]
		word, style := StatusWord(st, tc.status)
		if word != tc.word {
			t.Errorf("StatusWord(%q) word = %q, want %q", tc.status, word, tc.word)
		}
		if got := style.Render("x"); got != want {
			t.Errorf("StatusWord(%q) style renders %q, want the %s style %q", tc.status, got, tc.style, want)
		}
	}
}

func TestCountWords(t *testing.T) {
	for _, tc := range []struct {
		status         string
		dry, delivered bool
		sent, fixed    string
	}{
		{"success", false, true, "sent", "marked fixed"},
		{"partial", false, true, "sent", "marked fixed"},
		{"skipped", false, true, "sent", "to be marked fixed"},
		{"failure", false, true, "sent", "to be marked fixed"},
		{"dry_run", true, false, "in the upload file", "would be marked fixed"},
		{"cancelled", false, false, "planned, not sent", "would be marked fixed"},
		{"failure", false, false, "planned, not sent", "would be marked fixed"},
		{"interrupted", false, false, "planned, not sent", "would be marked fixed"},
		{"cancelled", true, false, "in the upload file", "would be marked fixed"},
	} {
		s, f := CountWords(tc.status, tc.dry, tc.delivered)
		if s != tc.sent || f != tc.fixed {
			t.Errorf("CountWords(%q, %v, %v) = %q, %q; want %q, %q", tc.status, tc.dry, tc.delivered, s, f, tc.sent, tc.fixed)
		}
		if Sent(tc.status, tc.dry, tc.delivered) != (tc.sent == "sent") {
			t.Errorf("Sent(%q, %v, %v) disagrees with CountWords", tc.status, tc.dry, tc.delivered)
		}
	}
	if got := Count(1, "repository", "repositories"); got != "1 repository" {
		t.Errorf("Count(1) = %q", got)
	}
	if got := Count(int64(1204), "finding", "findings"); got != "1,204 findings" {
		t.Errorf("Count(1204) = %q", got)
	}
}
