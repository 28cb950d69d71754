package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in the config file as a Go duration
// string ("10m", "24h", "1h30m") rather than as nanoseconds.
type Duration struct{ time.Duration }

// String is the short form: "10m" rather than time.Duration's "10m0s".
func (d Duration) String() string {
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText writes the short form, so YAML and JSON both show "10m".
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText reads a Go duration string; a bare number is refused
// because its unit would be a guess.
func (d *Duration) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 10m or 24h", s)
	}
	d.Duration = v
	return nil
}

// UnmarshalYAML accepts only a scalar; without it a mapping would be
// decoded into the embedded field.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("a duration must be a single value such as 10m")
	}
	return d.UnmarshalText([]byte(n.Value))
}
