// Package vtable is a virtualised table for very long lists (the findings
// preview holds 100,000 rows): cell text is computed once and cached as
// plain text, filter and sort produce an index permutation off the event
// loop, and View renders only the visible window.
package vtable

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Row is one row of the table. Cell is called once per cell when the Data
// is built; ID identifies the row across re-sorts, re-filters and reloads.
type Row interface {
	ID() string
	Cell(col int) string
}

// Searcher is implemented by rows that match the filter on text that is
// not shown in a cell (an id, a full list the cell abbreviates).
type Searcher interface {
	SearchText() string
}

// Align places text in a cell.
type Align uint8

const (
	Left Align = iota
	Right
	Center
)

// Column describes one column.
type Column struct {
	Title string
	// Width is a fixed width in cells; 0 makes the column flexible.
	Width int
	// Flex is a flexible column's share of the width left after the fixed
	// columns (0 counts as 1); Min is its smallest width.
	Flex, Min int
	Align     Align
	// KeepEnd cuts long text at the start ("…/views.py:42") instead of
	// the end: for paths, whose end says the most.
	KeepEnd bool
	// Shorten, when set, is given every cell of the column drawn on
	// screen with the column's width w, and returns the text to draw: a
	// shorter form that keeps what tells rows apart (MiddleEllipsis, say).
	// It decides by w, not by the cell alone, so a column stays in one
	// form. Its result is still cut if it does not fit.
	Shorten func(s string, w int) string
	// Hidden columns are not drawn (they still match the filter and sort).
	Hidden bool
	// Compare orders two rows when sorting by this column; nil compares
	// the cell text.
	Compare func(a, b Row) int
}

// Data is a row set prepared for the table: cell text and the lower-cased
// search text of every row, computed once. Build it off the event loop
// (NewData is O(rows × columns)); it is read-only afterwards, so sort and
// filter commands may read it concurrently.
type Data struct {
	rows  []Row
	ncols int
	cells []string // row-major: cells[i*ncols+c]
	// hay is every row's lower-cased text (cells and SearchText, NUL
	// separated), one after the other: a filter is one strings.Index scan
	// over it rather than 100,000 small ones. Row i is hay[at[i]:at[i+1]].
	hay string
	at  []int
	cmp []func(a, b Row) int
	// src, when set, supplies rows and cells on demand (FromSource).
	src Source
}

// Source supplies rows on demand, for row sets too big to cache every
// cell: only the rows on screen are asked. Its filter and sort are its own
// (the screen computes permutations and gives them to SetView).
type Source interface {
	Len() int
	Row(i int) Row
}

// FromSource wraps a Source. Compute and SetQuery do not filter or sort it:
// they keep source order.
func FromSource(ncols int, src Source) *Data {
	return &Data{ncols: ncols, src: src}
}

// rowCells is row i's cells, cleaned.
func (d *Data) rowCells(i int) []string {
	if d.src == nil {
		return d.cells[i*d.ncols : i*d.ncols+d.ncols]
	}
	r := d.src.Row(i)
	out := make([]string, d.ncols)
	for c := range out {
		out[c] = Clean(r.Cell(c))
	}
	return out
}

// NewData prepares rows for a table with these columns. Cell text is
// cleaned of control characters (finding text comes from outside and must
// not be able to move the cursor or change colours).
func NewData(cols []Column, rows []Row) *Data {
	n := len(cols)
	d := &Data{rows: rows, ncols: n, cells: make([]string, len(rows)*n), at: make([]int, len(rows)+1), cmp: make([]func(a, b Row) int, n)}
	for c, col := range cols {
		d.cmp[c] = col.Compare
	}
	var hay strings.Builder
	var b strings.Builder
	for i, r := range rows {
		b.Reset()
		for c := range n {
			s := Clean(r.Cell(c))
			d.cells[i*n+c] = s
			b.WriteString(s)
			b.WriteByte(0)
		}
		if s, ok := r.(Searcher); ok {
			b.WriteString(Clean(s.SearchText()))
			b.WriteByte(0)
		}
		d.at[i] = hay.Len()
		hay.WriteString(strings.ToLower(b.String()))
	}
	d.at[len(rows)] = hay.Len()
	d.hay = hay.String()
	return d
}

// Len is the number of rows.
func (d *Data) Len() int {
	if d == nil {
		return 0
	}
	if d.src != nil {
		return d.src.Len()
	}
	return len(d.rows)
}

// Row is row i in data order.
func (d *Data) Row(i int) Row {
	if d.src != nil {
		return d.src.Row(i)
	}
	return d.rows[i]
}

// Cell is the cached text of row i, column c.
func (d *Data) Cell(i, c int) string { return d.rowCells(i)[c] }

// Query is what the table shows: which rows and in which order.
type Query struct {
	// Filter keeps rows whose text contains every whitespace-separated
	// term, ignoring case.
	Filter string
	// Keep, when set, must also accept the row (e.g. "hide excluded").
	Keep func(Row) bool
	// Sort orders by column SortCol (stable: ties keep data order), Desc
	// reversing it; without Sort rows keep data order.
	Sort    bool
	SortCol int
	Desc    bool
}

// Reachable counts the rows keep accepts (all rows when keep is nil).
func (d *Data) Reachable(keep func(Row) bool) int {
	if d == nil {
		return 0
	}
	if keep == nil || d.src != nil {
		return d.Len()
	}
	n := 0
	for _, r := range d.rows {
		if keep(r) {
			n++
		}
	}
	return n
}

// Compute returns the permutation of row indexes the query selects, in
// display order.
func (d *Data) Compute(q Query) []int {
	p, _ := d.compute(q, nil)
	return p
}

// compute gives up (ok false) as soon as stale reports that a newer query
// superseded this one: a long filter must not keep a CPU busy for nothing.
func (d *Data) compute(q Query, stale func() bool) (perm []int, ok bool) {
	if d == nil {
		return nil, true
	}
	if d.src != nil {
		perm = make([]int, d.src.Len())
		for i := range perm {
			perm[i] = i
		}
		return perm, true
	}
	// Cleaning the query turns control characters into spaces, so no term
	// holds the NUL that ends each cell: a match never spans two cells.
	terms := strings.Fields(strings.ToLower(Clean(q.Filter)))
	perm = make([]int, 0, len(d.rows))
	keep := func(i int) bool {
		if q.Keep != nil && !q.Keep(d.rows[i]) {
			return false
		}
		row := d.hay[d.at[i]:d.at[i+1]]
		for _, t := range terms {
			if !strings.Contains(row, t) {
				return false
			}
		}
		return true
	}
	if len(terms) == 0 {
		for i := range d.rows {
			if i&4095 == 0 && stale != nil && stale() {
				return nil, false
			}
			if keep(i) {
				perm = append(perm, i)
			}
		}
	} else {
		// Scan for the longest term (the rarest, usually); check the rest
		// only in the rows it hits.
		first := slices.MaxFunc(terms, func(a, b string) int { return len(a) - len(b) })
		for pos, n := 0, 0; pos < len(d.hay); n++ {
			if n&1023 == 0 && stale != nil && stale() {
				return nil, false
			}
			j := strings.Index(d.hay[pos:], first)
			if j < 0 {
				break
			}
			// The row holding the match: the last one starting at or before it.
			i, found := slices.BinarySearch(d.at, pos+j)
			if !found {
				i--
			}
			if keep(i) {
				perm = append(perm, i)
			}
			pos = d.at[i+1]
		}
	}
	if stale != nil && stale() {
		return nil, false
	}
	if q.Sort && q.SortCol >= 0 && q.SortCol < d.ncols {
		d.sort(perm, q.SortCol, q.Desc)
	}
	return perm, true
}

// sort orders perm by a column. Ties fall back to data order, which makes
// the (faster, pattern-defeating) unstable sort give the stable result.
func (d *Data) sort(perm []int, col int, desc bool) {
	sign := 1
	if desc {
		sign = -1
	}
	if cmp := d.cmp[col]; cmp != nil {
		slices.SortFunc(perm, func(a, b int) int {
			if c := cmp(d.rows[a], d.rows[b]); c != 0 {
				return sign * c
			}
			return a - b
		})
		return
	}
	n := d.ncols
	slices.SortFunc(perm, func(a, b int) int {
		if c := strings.Compare(d.cells[a*n+col], d.cells[b*n+col]); c != 0 {
			return sign * c
		}
		return a - b
	})
}

// Clean replaces control characters (C0, DEL, C1 — which include ESC and
// so every terminal escape sequence) with spaces and invalid UTF-8 with
// U+FFFD. Strings that need nothing are returned as they are.
func Clean(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	if utf8.ValidString(s) && !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }
