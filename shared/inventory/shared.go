package inventory

import (
	"context"
	"strconv"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
	"github.com/cloudscope/cloudscope/shared/recent"
)

// pagesKept is how many recent pages of stored scans are kept (a page is
// at most MaxLimit resources, well under 1 MB of JSON).
const pagesKept = 32

// storedPages shares the pages of stored scans: a snapshot never changes
// once stored, so a page of it for one question is always the same
// answer. Identical questions asked at once (fifty viewers of one view)
// are one read, and recent pages are kept for the next viewer.
type storedPages = recent.Answers[*Page]

// storedShared is stored, shared among identical questions of snapshot h.
func (s *Service) storedShared(ctx context.Context, q Query, h *cloudscope.SnapshotHeader) (*Page, error) {
	offset := 0
	if q.cursor != nil {
		offset = q.cursor.Offset
	}
	key := h.ID + " " + q.question() + " " + strconv.Itoa(q.Limit) + " " + strconv.Itoa(offset)
	return s.pages.Get(ctx, key, func(ctx context.Context) (*Page, bool, error) {
		p, err := s.stored(ctx, q, h)
		return p, true, err
	})
}
