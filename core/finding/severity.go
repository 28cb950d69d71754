package finding

import (
	"fmt"
	"strings"
)

// Severity is Semgrep's severity on one ordered scale. The zero value is
// SeverityUnknown, which policy treats as "below every threshold".
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// ParseSeverity accepts the severity words of every Semgrep era: the API's
// low/medium/high/critical, the CLI's INFO/WARNING/ERROR and
// LOW/MEDIUM/HIGH/CRITICAL, and SARIF levels note/warning/error. Matching
// ignores case. EXPERIMENT and INVENTORY (deprecated rule severities) map
// to low: they are informational by nature.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return SeverityCritical, nil
	case "high", "error":
		return SeverityHigh, nil
	case "medium", "warning", "moderate":
		return SeverityMedium, nil
	case "low", "info", "note", "informational", "experiment", "inventory":
		return SeverityLow, nil
	case "", "none", "unknown":
		return SeverityUnknown, nil
	}
	return SeverityUnknown, fmt.Errorf("unknown severity %q", s)
}

// String is the lower-case API word (low, medium, high, critical).
func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityMedium:
		return "medium"
	case SeverityHigh:
		return "high"
	case SeverityCritical:
		return "critical"
	}
	return "unknown"
}

// Wiz is the exact enum word of the Wiz SAST schema.
func (s Severity) Wiz() string {
	switch s {
	case SeverityLow:
		return "Low"
	case SeverityMedium:
		return "Medium"
	case SeverityHigh:
		return "High"
	case SeverityCritical:
		return "Critical"
	}
	return "None"
}

// MarshalText makes severities read well in JSON and YAML.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText accepts any word ParseSeverity accepts.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
