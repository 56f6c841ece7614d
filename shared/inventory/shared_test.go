package inventory

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudscope/cloudscope/shared/cloudscope"
)

// countedStore is a stored snapshot whose reads are counted and held
// until released.
type countedStore struct {
	reads   atomic.Int32
	release chan struct{}
	rs      []cloudscope.Resource
}

func (c *countedStore) header() *cloudscope.SnapshotHeader {
	return &cloudscope.SnapshotHeader{ID: "s1", FinishedAt: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Regions: []string{"us-east-1"}}
}

func (c *countedStore) LatestHeader(context.Context) (*cloudscope.SnapshotHeader, error) {
	return c.header(), nil
}

func (c *countedStore) Header(_ context.Context, id string) (*cloudscope.SnapshotHeader, error) {
	if id != "s1" {
		return nil, nil
	}
	return c.header(), nil
}

func (c *countedStore) ResourceChunks(_ context.Context, _ string, _ []string, fn func([]cloudscope.Resource) error) error {
	c.reads.Add(1)
	<-c.release
	return fn(c.rs)
}

// Fifty viewers asking one page of a stored scan at once make one read,
// and the next viewer none; another question reads again.
func TestStoredPagesAreShared(t *testing.T) {
	st := &countedStore{release: make(chan struct{})}
	for i := range 1200 {
		st.rs = append(st.rs, cloudscope.Resource{Type: cloudscope.EC2, ID: fmt.Sprintf("i-%04d", i), Name: fmt.Sprintf("n%d", 1200-i), Region: "us-east-1"})
	}
	svc := New(st, nil, Options{})
	q := query(t, Input{Sort: "name", Limit: "100"})
	var wg sync.WaitGroup
	pages := make([]*Page, 50)
	for i := range pages {
		wg.Go(func() {
			p, err := svc.List(context.Background(), q)
			if err != nil {
				t.Error(err)
			}
			pages[i] = p
		})
	}
	time.Sleep(50 * time.Millisecond) // every viewer is waiting
	close(st.release)
	wg.Wait()
	if n := st.reads.Load(); n != 1 {
		t.Errorf("50 identical questions read the snapshot %d times, want 1", n)
	}
	if p := pages[0]; p == nil || len(p.Resources) != 100 || p.Resources[0].Name != "n1" || p.Counts.Total != 1200 {
		t.Fatalf("the shared page is wrong: %+v", p)
	}
	next := query(t, Input{Sort: "name", Limit: "100", Cursor: pages[0].NextCursor})
	for range 2 {
		if _, err := svc.List(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		p, err := svc.List(context.Background(), next)
		if err != nil || len(p.Resources) != 100 || p.Resources[0].Name == pages[0].Resources[0].Name {
			t.Fatalf("page 2: %v %+v", err, p)
		}
	}
	if n := st.reads.Load(); n != 2 {
		t.Errorf("the kept page and page 2 read the snapshot %d times in all, want 2", n)
	}
}

// A viewer who leaves stops waiting; the read goes on for the others.
func TestStoredPageOutlivesAViewerWhoLeaves(t *testing.T) {
	st := &countedStore{release: make(chan struct{}), rs: []cloudscope.Resource{{Type: cloudscope.EC2, ID: "i-1", Region: "us-east-1"}}}
	svc := New(st, nil, Options{})
	q := query(t, Input{})
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error)
	go func() {
		_, err := svc.List(ctx, q)
		left <- err
	}()
	for st.reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	stayed := make(chan *Page)
	go func() {
		p, _ := svc.List(context.Background(), q)
		stayed <- p
	}()
	cancel()
	if err := <-left; err == nil {
		t.Error("the viewer who left should get its context's error")
	}
	close(st.release)
	if p := <-stayed; p == nil || len(p.Resources) != 1 {
		t.Errorf("the viewer who stayed got %+v", p)
	}
}
