package semgrep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// DefaultFindingsPageSize is how many findings a page holds unless a query
// asks for fewer (also the most Semgrep allows).
const DefaultFindingsPageSize = defaultFindingsPage

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

// Read-ahead: once a repository has shown more than a page or two, the
// pages after the one being delivered are fetched while it is, through the
// Client's shared limiter.
const (
	// readAheadPages is the most pages of one walk in flight at once.
	readAheadPages = 3
	// readAheadMinPage is the smallest page size read ahead. Smaller pages
	// are a caller's choice for small, exact requests (previews, tests of
	// the request sequence); a speculative page past the end would cost
	// about what it saves.
	readAheadMinPage = 1000
)

// pagesInFlight is how many pages of a walk may be in flight once full
// pages were read in a row. It grows like a slow start: page 1 only after
// page 0 was full, then two, then readAheadPages. A repository of one or
// two pages (most of them) thus costs only the requests it needs, and a
// server that ignores "page" is caught at page 1 before anything is
// fetched ahead.
func pagesInFlight(pageSize, full int) int {
	if pageSize < readAheadMinPage {
		return 1
	}
	return min(max(full, 1), readAheadPages)
}

// fetchedPage is one page's answer: a finding for each of its items.
type fetchedPage struct {
	fs    []finding.Finding
	err   error
	token bool // it holds one of the Client's read-ahead places
}

// takeAhead takes one of the Client's read-ahead places, if one is free.
func (c *Client) takeAhead() bool {
	select {
	case c.ahead <- struct{}{}:
		return true
	default:
		return false
	}
}

func (c *Client) giveAhead() { <-c.ahead }

// Findings reads every page of the deployment's findings that match q and
// hands each page to fn, in order, from the calling goroutine. Pages are
// numbered from 0; reading stops after a page shorter than the page size.
// A finding already handed over (same platform id; data can shift between
// pages while new findings arrive) is not handed over again, and a page
// with nothing new ends the walk, so a server that ignores "page" cannot
// loop us forever. After full pages, later pages are fetched ahead (see
// pagesInFlight); pages fetched past the end are cancelled or dropped,
// never delivered. An error of a page stops the walk before that page and
// is returned; an error from fn stops the walk and is returned as is. IDs
// are not assigned: call finding.AssignIDs per repository once all pages
// are in.
func (c *Client) Findings(ctx context.Context, slug string, q FindingsQuery, fn func(page []finding.Finding) error) error {
	path := PagePath(slug)
	size := q.pageSize()

	// Pages ahead run in their own goroutines; returning cancels those
	// still in flight and waits for them, so no request outlives the walk.
	actx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var ahead []chan fetchedPage // ahead[0] answers the page to deliver next
	defer func() {
		cancel()
		wg.Wait()
		for _, ch := range ahead { // pages fetched and never delivered
			if p := <-ch; p.token {
				c.giveAhead()
			}
		}
	}()
	launched := 0
	fetch := func(token bool) {
		ch := make(chan fetchedPage, 1)
		ahead = append(ahead, ch)
		page := launched
		launched++
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs, err := c.findingsPage(actx, slug, path, q, page, size)
			ch <- fetchedPage{fs, err, token}
		}()
	}

	seen := map[string]bool{}
	full := 0
	for page := 0; ; page++ {
		for launched < page+pagesInFlight(size, full) {
			// A page beyond the one delivered next needs one of the
			// Client's read-ahead places: over every walk, fewer pages
			// wait decoded than requests can be in flight.
			token := launched > page
			if token && !c.takeAhead() {
				break
			}
			fetch(token)
		}
		p := <-ahead[0]
		ahead = ahead[1:]
		if p.token {
			c.giveAhead()
		}
		if p.err != nil {
			return p.err
		}
		fresh := p.fs[:0]
		for _, f := range p.fs {
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
		if len(p.fs) < size || len(fresh) == 0 {
			return nil
		}
		full++
	}
}

// findingsPage fetches one page: a finding for each of its items.
func (c *Client) findingsPage(ctx context.Context, slug, path string, q FindingsQuery, page, size int) ([]finding.Finding, error) {
	const op = "listing findings"
	var fs []finding.Finding
	err := c.getStream(ctx, op, path, q.params(page, size), func(r io.Reader, ct string) error {
		var err error
		fs, err = readFindingsPage(op, r, ct, slug, c.web, size)
		var item *itemError
		if errors.As(err, &item) {
			return badResponse(op, fmt.Sprintf("page %d: %s", page, item.Error()))
		}
		return err
	})
	return fs, err
}
