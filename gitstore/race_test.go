package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// A person pushes while the bot publishes, 50 times over HTTP. Nothing may
// be lost, each side's commits stay in order, nothing is forced, and the
// remote stays sound.
func TestRepo_PublishRacingAPerson(t *testing.T) {
	t.Parallel()
	const rounds = 50
	s := newServed(t, gittest.ServeOptions{User: "ada", Password: "pw"})
	var logs syncBuffer
	r := open(t, s.srv.AuthURL("repo.git"), Options{PushAttempts: 20, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	// The deadline only catches a hang: 50 rounds of pushes over HTTP take
	// minutes on a loaded machine with the race detector.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for i := range rounds {
		done := make(chan error, 1)
		go func() {
			_, err := r.Publish(ctx, fmt.Sprintf("record %d", i), files(map[string][]byte{
				fmt.Sprintf("runs/demo/%03d.json", i): []byte(fmt.Sprintf(`{"id":%d}`, i)),
			}))
			done <- err
		}()
		if err := s.person.TryWrite(fmt.Sprintf("data/%03d.csv", i), fmt.Sprintf("x\n%d\n", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.person.TryCommit(fmt.Sprintf("person %d", i)); err != nil {
			t.Fatal(err)
		}
		if err := s.person.PushRetry(20); err != nil {
			t.Fatalf("round %d: person: %v", i, err)
		}
		if err := <-done; err != nil {
			t.Fatalf("round %d: Publish: %v", i, err)
		}
	}

	subjects := strings.Split(gittest.Git(t, s.bare, "log", "--reverse", "--format=%s", "main"), "\n")
	var person, bot int
	for _, subj := range subjects {
		switch {
		case subj == fmt.Sprintf("person %d", person):
			person++
		case subj == fmt.Sprintf("record %d", bot):
			bot++
		case subj == "first":
		default:
			t.Errorf("unexpected or out-of-order commit %q (after person %d, record %d)", subj, person, bot)
		}
	}
	if person != rounds || bot != rounds {
		t.Fatalf("main holds %d person commits and %d records, want %d each", person, bot, rounds)
	}
	tree := gittest.Git(t, s.bare, "ls-tree", "-r", "--name-only", "main")
	for i := range rounds {
		for _, p := range []string{fmt.Sprintf("data/%03d.csv", i), fmt.Sprintf("runs/demo/%03d.json", i)} {
			if !strings.Contains(tree, p+"\n") && !strings.HasSuffix(tree, p) {
				t.Errorf("%s is missing from main", p)
			}
		}
	}
	if n := gittest.CheckNoForcedUpdates(t, s.bare, "main"); n < 2*rounds {
		t.Errorf("reflog holds %d updates, want at least %d", n, 2*rounds)
	}
	gittest.Fsck(t, s.bare)
	t.Logf("the bot rebuilt on a new tip %d times in %d rounds", strings.Count(logs.String(), "branch moved"), rounds)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
