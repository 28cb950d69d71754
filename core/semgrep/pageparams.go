package semgrep

import "net/url"

// PagePath is the path, under the client's base URL, of a deployment's
// findings pages.
func PagePath(slug string) string { return "/deployments/" + url.PathEscape(slug) + "/findings" }

// PageParams is the query string of findings page number page, exactly as
// Findings sends it, and the page size it asks for. A reader that walks the
// pages itself (the scale demo's bare client) asks what the sync asks.
func (q FindingsQuery) PageParams(page int) (url.Values, int) {
	size := q.pageSize()
	return q.params(page, size), size
}
