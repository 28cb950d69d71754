package config

import (
	"encoding/json"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Minute:               "10m",
		24 * time.Hour:                 "24h",
		90 * time.Minute:               "1h30m",
		time.Hour + 5*time.Second:      "1h0m5s",
		30 * time.Second:               "30s",
		1500 * time.Millisecond:        "1.5s",
		0:                              "0s",
		-10 * time.Minute:              "-10m",
		144*time.Hour + 30*time.Second: "144h0m30s",
		time.Hour + time.Minute:        "1h1m",
	} {
		if got := (Duration{d}).String(); got != want {
			t.Errorf("Duration{%v}.String() = %q, want %q", int64(d), got, want)
		}
		// The short form must parse back to the same value.
		var back Duration
		if err := back.UnmarshalText([]byte((Duration{d}).String())); err != nil || back.Duration != d {
			t.Errorf("%q parsed back as %v, %v", Duration{d}.String(), back.Duration, err)
		}
	}
}

func TestDurationUnmarshalText(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"10m":     10 * time.Minute,
		" 1h30m ": 90 * time.Minute,
		"72h":     72 * time.Hour,
		"0":       0, // Go accepts a bare zero; Validate refuses it for watch settings
	} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || d.Duration != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", in, d.Duration, err, want)
		}
	}
	for _, bad := range []string{"", "10", "ten minutes", "7d", "1w", "m"} {
		var d Duration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) accepted, got %v", bad, d.Duration)
		}
	}
}

func TestDurationYAMLAndJSON(t *testing.T) {
	w := Watch{Interval: Duration{10 * time.Minute}, RefreshAfter: Duration{36 * time.Hour}}
	out, err := yaml.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "interval: 10m\nrefresh_after: 36h\n" {
		t.Errorf("yaml = %q", out)
	}
	var back Watch
	if err := yaml.Unmarshal(out, &back); err != nil || back != w {
		t.Errorf("yaml round trip = %+v, %v", back, err)
	}
	if err := yaml.Unmarshal([]byte("interval: {duration: 5s}\n"), &back); err == nil {
		t.Error("a mapping must not decode into a Duration")
	}

	j, err := json.Marshal(struct{ D Duration }{Duration{2 * time.Hour}})
	if err != nil || string(j) != `{"D":"2h"}` {
		t.Errorf("json = %s, %v", j, err)
	}
}
