package controller

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSlot_NewerRequestReplacesWaitingOne(t *testing.T) {
	t.Parallel()
	s := newSlot()
	if got := s.put(request{Commit: "a"}); got != nil {
		t.Fatalf("first put replaced %+v, want nothing", got)
	}
	replaced := s.put(request{Commit: "b"})
	if replaced == nil || replaced.Commit != "a" {
		t.Fatalf("second put replaced %+v, want commit a", replaced)
	}
	r, err := s.take(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Commit != "b" {
		t.Errorf("took commit %q, want the newest, b", r.Commit)
	}
	if s.peek() != nil {
		t.Errorf("slot still holds %+v after take", s.peek())
	}
}

func TestSlot_TakeWaitsForPut(t *testing.T) {
	t.Parallel()
	s := newSlot()
	got := make(chan request, 1)
	go func() {
		r, err := s.take(context.Background())
		if err == nil {
			got <- r
		}
	}()
	s.put(request{Commit: "c"})
	select {
	case r := <-got:
		if r.Commit != "c" {
			t.Errorf("took %q, want c", r.Commit)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("take did not return after put")
	}
}

func TestSlot_TakeHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newSlot().take(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("take on a cancelled context = %v, want context.Canceled", err)
	}
}
