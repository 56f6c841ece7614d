package cloudscope

import (
	"cmp"
	"slices"
)

// CoverSavings marks which savings of findings overlap: two findings
// overlap when their savings count the charges of one resource (their
// Savings.Resources share one), as deleting an unattached volume and
// moving it to gp3 would, or terminating a stopped instance with its
// volumes and deleting one of them. Each resource counts once, at the
// largest saving that counts it: the priced savings are taken from the
// largest down (on a tie, the one counting more resources, then by rule
// and resource), and one that shares a resource with a saving already
// taken is marked covered by it (Savings.CoveredBy). Totals (SumSavings)
// leave the covered ones out.
//
// fs are the findings of one scan, or of a part of one that holds every
// finding whose saving counts one of its resources (a shard's: a saving
// counts only resources listed with it, in its account and region, so
// overlaps never cross shards). It runs once, where
// a scan's findings are complete, before they are stored, so that every
// reader totals the same figures; it replaces any earlier marks. Savings
// without a figure in SavingsCurrency are never covered nor cover.
func CoverSavings(fs []Finding) {
	type priced struct {
		i       int
		monthly Amount
		keys    []string
	}
	var ps []priced
	for i := range fs {
		s := fs[i].Savings
		if s == nil {
			continue
		}
		if s.CoveredBy != "" {
			c := *s // the Savings may be shared: mark a copy
			c.CoveredBy = ""
			fs[i].Savings, s = &c, &c
		}
		if s.Monthly == nil || s.Currency != SavingsCurrency {
			continue
		}
		ps = append(ps, priced{i: i, monthly: *s.Monthly, keys: coverKeys(fs[i])})
	}
	slices.SortStableFunc(ps, func(a, b priced) int {
		fa, fb := &fs[a.i], &fs[b.i]
		return cmp.Or(b.monthly.Cmp(a.monthly), cmp.Compare(len(b.keys), len(a.keys)),
			cmp.Compare(fa.Rule, fb.Rule), cmp.Compare(fa.ResourceType, fb.ResourceType), cmp.Compare(fa.ResourceID, fb.ResourceID))
	})
	// taken holds, for each resource counted so far, the place in ps of
	// the saving that counts it.
	taken := map[string]int{}
	for n, p := range ps {
		by := -1
		for _, k := range p.keys {
			if t, ok := taken[k]; ok && (by < 0 || t < by) {
				by = t
			}
		}
		if by < 0 {
			for _, k := range p.keys {
				taken[k] = n
			}
			continue
		}
		c := *fs[p.i].Savings
		c.CoveredBy = fs[ps[by].i].ID
		fs[p.i].Savings = &c
	}
}

// coverKeys are the resources a finding's saving counts, each as
// "account region type id".
func coverKeys(f Finding) []string {
	refs := f.Savings.Resources
	if len(refs) == 0 {
		refs = []ResourceRef{{Type: f.ResourceType, ID: f.ResourceID}}
	}
	keys := make([]string, 0, len(refs))
	for _, r := range refs {
		keys = append(keys, f.AccountID+"\x00"+f.Region+"\x00"+string(r.Type)+"\x00"+r.ID)
	}
	return keys
}

// RenameCovers follows a renaming of findings' ids (renamed maps an old id
// to its new one) in the CoveredBy marks of fs.
func RenameCovers(fs []Finding, renamed map[string]string) {
	for i := range fs {
		s := fs[i].Savings
		if s == nil || s.CoveredBy == "" {
			continue
		}
		if id, ok := renamed[s.CoveredBy]; ok && id != s.CoveredBy {
			c := *s
			c.CoveredBy = id
			fs[i].Savings = &c
		}
	}
}

// savingsChange is a diff's savings realized and new, each resource
// counted once. The resolved findings' savings (less those covered) are
// realized, less the savings still found in head that one of them covered
// and that now count on their own (their resources still bill); the new
// findings' savings are new, less the savings that counted on their own
// in base and that one of them now covers (they were counted already).
// Neither goes below zero.
func savingsChange(base, head *Snapshot, d SnapshotDiff) (realized, added Amount) {
	realized, added = SavingsOf(d.FindingsResolved), SavingsOf(d.FindingsNew)
	resolved, news := map[string]bool{}, map[string]bool{}
	for _, f := range d.FindingsResolved {
		resolved[f.ID] = true
	}
	for _, f := range d.FindingsNew {
		news[f.ID] = true
	}
	before := map[string]Finding{}
	for _, f := range base.Findings {
		before[findingKey(f)] = f
	}
	for _, f := range head.Findings {
		b, ok := before[findingKey(f)]
		if !ok || f.Savings == nil || b.Savings == nil {
			continue
		}
		if resolved[b.Savings.CoveredBy] && counted(f) {
			realized = realized.Sub(*f.Savings.Monthly)
		}
		if news[f.Savings.CoveredBy] && counted(b) {
			added = added.Sub(*b.Savings.Monthly)
		}
	}
	zero := Amount{}
	if realized.Cmp(zero) < 0 {
		realized = zero
	}
	if added.Cmp(zero) < 0 {
		added = zero
	}
	return realized, added
}

// counted reports whether a finding's saving counts in totals: it has a
// figure in SavingsCurrency and is not covered.
func counted(f Finding) bool {
	s := f.Savings
	return s != nil && s.Monthly != nil && s.Currency == SavingsCurrency && s.CoveredBy == ""
}
