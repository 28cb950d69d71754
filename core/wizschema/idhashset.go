package wizschema

import "hash/maphash"

// idHashSet is a set of finding ids that keeps a 64-bit hash of each id, not
// the id: the duplicate check of an asset of 300,000 findings then costs
// about 8 bytes an id (plus the map's own) instead of the id's string. Two
// different ids with the same hash (about one chance in 10^9 at 300,000 ids)
// would be reported as a duplicate: a refused asset, never a lost finding.
// The caller names the id it was adding in the error.
type idHashSet struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

func newIDHashSet() *idHashSet {
	return &idHashSet{seed: maphash.MakeSeed(), m: map[uint64]struct{}{}}
}

// add records id and reports whether it (or an id with the same hash) was
// already there.
func (s *idHashSet) add(id string) (dup bool) {
	h := maphash.String(s.seed, id)
	if _, dup := s.m[h]; dup {
		return true
	}
	s.m[h] = struct{}{}
	return false
}

func (s *idHashSet) len() int { return len(s.m) }

// reset empties the set and keeps its storage.
func (s *idHashSet) reset() { clear(s.m) }
