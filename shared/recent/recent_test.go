package recent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAskersAtOnceShareOneComputation(t *testing.T) {
	a := &Answers[int]{Size: 2}
	var runs atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]int, 20)
	for i := range got {
		wg.Go(func() {
			v, err := a.Get(context.Background(), "k", func(context.Context) (int, bool, error) {
				runs.Add(1)
				<-release
				return 42, true, nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if runs.Load() != 1 {
		t.Errorf("%d computations for 20 askers at once, want 1", runs.Load())
	}
	for i, v := range got {
		if v != 42 {
			t.Errorf("asker %d got %d", i, v)
		}
	}
	// Kept: the next asker computes nothing.
	if v, _ := a.Get(context.Background(), "k", func(context.Context) (int, bool, error) { return 0, true, errors.New("computed again") }); v != 42 {
		t.Errorf("kept answer: %d", v)
	}
}

func TestOnlySizeAnswersAreKeptNewestFirst(t *testing.T) {
	a := &Answers[string]{Size: 2}
	runs := map[string]int{}
	get := func(key string, keep bool) {
		t.Helper()
		if _, err := a.Get(context.Background(), key, func(context.Context) (string, bool, error) {
			runs[key]++
			return key, keep, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	get("a", true)
	get("b", true)
	get("a", true) // a is now the newest
	get("c", true) // b goes
	get("big", false)
	get("big", false)
	get("a", true)
	get("b", true)
	want := map[string]int{"a": 1, "b": 2, "c": 1, "big": 2}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Errorf("computations %v, want %v", runs, want)
	}
}

func TestAnAskerWhoLeavesDoesNotFailTheOthers(t *testing.T) {
	a := &Answers[int]{}
	started, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	var computeErr atomic.Value
	go func() {
		_, err := a.Get(ctx, "k", func(c context.Context) (int, bool, error) {
			close(started)
			<-release
			if c.Err() != nil {
				computeErr.Store(c.Err())
			}
			return 7, false, nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the asker who left: %v", err)
		}
	}()
	<-started
	done := make(chan int)
	go func() {
		v, _ := a.Get(context.Background(), "k", func(context.Context) (int, bool, error) { return -1, false, nil })
		done <- v
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if v := <-done; v != 7 {
		t.Errorf("the asker who stayed got %d, want the shared 7", v)
	}
	if err := computeErr.Load(); err != nil {
		t.Errorf("the computation saw its context end: %v", err)
	}
}
