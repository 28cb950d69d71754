package semgrep

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

const (
	minFindingsPage     = 100
	maxFindingsPage     = 3000
	defaultFindingsPage = 3000
)

// findingsParams builds the query for one page.
//
// Array parameters (repos, severities) go on the wire as repeated keys
// (repos=a&repos=b): that is OpenAPI's default "form, explode" style, which
// Semgrep's spec implies by saying nothing else. Semgrep's own CSE scripts
// send comma-joined values, which a server may also accept; repeated keys
// are the documented reading.
func (q FindingsQuery) params(page, pageSize int) url.Values {
	v := url.Values{}
	v.Set("page", strconv.Itoa(page))
	v.Set("page_size", strconv.Itoa(pageSize))
	v.Set("issue_type", firstNonEmpty(strings.TrimSpace(q.IssueType), "sast"))
	switch s := strings.ToLower(strings.TrimSpace(q.Status)); s {
	case "":
		v.Set("status", "open")
	case "any", "all":
		// no filter: every status except removed
	default:
		v.Set("status", s)
	}
	if q.Ref != "" {
		v.Set("ref", q.Ref)
	}
	for _, r := range q.Repos {
		if r = strings.TrimSpace(r); r != "" {
			v.Add("repos", r)
		}
	}
	for _, s := range q.Severities {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			v.Add("severities", s)
		}
	}
	if q.Dedup {
		v.Set("dedup", "true")
	}
	if !q.Since.IsZero() {
		v.Set("since", strconv.FormatInt(q.Since.Unix(), 10))
	}
	return v
}

func (q FindingsQuery) pageSize() int {
	n := q.PageSize
	if n == 0 {
		n = defaultFindingsPage
	}
	return min(max(n, minFindingsPage), maxFindingsPage)
}

// Findings reads every page of the deployment's findings that match q and
// hands each page to fn, in order. Pages are numbered from 0; reading stops
// after a page shorter than the page size. A finding already handed over
// (same platform id; data can shift between pages while new findings
// arrive) is not handed over again, and a page with nothing new ends the
// walk, so a server that ignores "page" cannot loop us forever. An error
// from fn stops the walk and is returned as is. IDs are not assigned: call
// finding.AssignIDs per repository once all pages are in.
func (c *Client) Findings(ctx context.Context, slug string, q FindingsQuery, fn func(page []finding.Finding) error) error {
	const op = "listing findings"
	path := "/deployments/" + url.PathEscape(slug) + "/findings"
	size := q.pageSize()
	seen := map[string]bool{}
	for page := 0; ; page++ {
		var fs []finding.Finding
		var n int
		err := c.get(ctx, op, path, q.params(page, size), func(b []byte, ct string) error {
			var env findingsEnvelope
			if err := decodeJSON(op, b, ct, wantFindings, &env); err != nil {
				return err
			}
			items, ok := env.items()
			if !ok {
				return badResponse(op, "expected "+wantFindings)
			}
			n = len(items)
			var err error
			fs, err = mapAPIFindings(items, slug, c.web)
			if err != nil {
				return badResponse(op, fmt.Sprintf("page %d: %s", page, err.Error()))
			}
			return nil
		})
		if err != nil {
			return err
		}
		fresh := fs[:0]
		for _, f := range fs {
			if f.PlatformID != "" {
				if seen[f.PlatformID] {
					continue
				}
				seen[f.PlatformID] = true
			}
			fresh = append(fresh, f)
		}
		if len(fresh) > 0 {
			if err := fn(fresh); err != nil {
				return err
			}
		}
		if n < size || len(fresh) == 0 {
			return nil
		}
	}
}
