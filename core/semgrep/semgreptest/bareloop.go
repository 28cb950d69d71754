package semgreptest

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// BareJSONLoop is the practical limit of a sync's JSON work, the baseline
// the performance numbers are measured against: every findings page
// decoded with encoding/json into the API's wire shape and encoded again,
// nothing else (no HTTP, no mapping, no checks). It returns the findings
// seen and the time the loop took.
func BareJSONLoop(pages [][]byte, w io.Writer) (int, time.Duration, error) {
	enc := json.NewEncoder(w)
	n := 0
	start := time.Now()
	for i, p := range pages {
		var page struct {
			Findings []Finding `json:"findings"`
		}
		if err := json.Unmarshal(p, &page); err != nil {
			return n, 0, fmt.Errorf("page %d: %w", i, err)
		}
		if err := enc.Encode(page.Findings); err != nil {
			return n, 0, err
		}
		n += len(page.Findings)
	}
	return n, time.Since(start), nil
}
