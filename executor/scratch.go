package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// scratch hands out the empty MLCD_OUT folders of a run. Creating a folder
// is the dearest file-system step of a short task on a busy disk (ext4
// journals it), so a folder that an attempt left empty goes to the next
// attempt, and the upstreams without outputs share one read-only empty
// folder for MLCD_IN_<TASK>. A no-op DAG then creates about Jobs folders,
// not one per task.
type scratch struct {
	root string

	mu   sync.Mutex
	free []string
	made int

	emptyOnce sync.Once
	empty     string
	emptyErr  error
}

// take returns an empty folder.
func (s *scratch) take() (string, error) {
	s.mu.Lock()
	if n := len(s.free); n > 0 {
		dir := s.free[n-1]
		s.free = s.free[:n-1]
		s.mu.Unlock()
		return dir, nil
	}
	s.made++
	dir := filepath.Join(s.root, "out-"+strconv.Itoa(s.made))
	s.mu.Unlock()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("scratch folder: %w", err)
	}
	return dir, nil
}

// give returns a folder that is known to be empty.
func (s *scratch) give(dir string) {
	s.mu.Lock()
	s.free = append(s.free, dir)
	s.mu.Unlock()
}

// emptyDir is the shared read-only empty folder.
func (s *scratch) emptyDir() (string, error) {
	s.emptyOnce.Do(func() {
		s.empty = filepath.Join(s.root, "empty")
		if err := os.Mkdir(s.empty, 0o555); err != nil {
			s.emptyErr = fmt.Errorf("scratch folder: %w", err)
		}
	})
	return s.empty, s.emptyErr
}
