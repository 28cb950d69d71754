// Package numfmt writes counts the one way the app shows them, in the
// terminal app and the command line alike: with thousands separators.
package numfmt

import (
	"strconv"
	"strings"
)

// Commas writes n with a comma between thousands: 1234567 → "1,234,567".
func Commas[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
