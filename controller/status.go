package controller

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Status is what the controller sees now: `mlcd status` prints it, and
// GET /status on the controller's listen address serves it as JSON.
type Status struct {
	Repo     string                   `json:"repo"`
	Branch   string                   `json:"branch"`
	PID      int                      `json:"pid"`
	Updated  time.Time                `json:"updated"`
	Seen     *SeenCommit              `json:"seen,omitempty"`
	Queued   *QueuedRun               `json:"queued,omitempty"`
	Running  *RunSummary              `json:"running,omitempty"`
	LastRuns map[string]RunSummary    `json:"last_runs,omitempty"` // by pipeline
	Unpushed []string                 `json:"unpushed,omitempty"`  // run ids kept in the state folder
	Desired  map[string]DesiredDeploy `json:"desired,omitempty"`   // by model: what passed the merge gate
	Errors   []StatusError            `json:"errors,omitempty"`    // newest last, at most maxErrors
}

// SeenCommit is the newest commit of the branch the controller looked at.
type SeenCommit struct {
	Commit string    `json:"commit"`
	At     time.Time `json:"at"`
}

// QueuedRun is the run waiting for the current one to finish.
type QueuedRun struct {
	Commit  string           `json:"commit"`
	Trigger pipeline.Trigger `json:"trigger"`
	Since   time.Time        `json:"since"`
}

// RunSummary is one run in a status.
type RunSummary struct {
	ID       string          `json:"id"`
	Pipeline string          `json:"pipeline"`
	Commit   string          `json:"commit"`
	Status   pipeline.Status `json:"status"`
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end,omitzero"`
	Error    string          `json:"error,omitempty"`
}

// StatusError is a problem the controller met and kept going after.
type StatusError struct {
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
}

const maxErrors = 20

// statusBoard holds the status and writes it to the state folder on every
// change, so `mlcd status` can read it without talking to the process.
type statusBoard struct {
	mu   sync.Mutex
	s    Status
	path string
}

func (b *statusBoard) update(change func(s *Status)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	change(&b.s)
	b.s.Updated = time.Now().UTC()
	data, err := json.MarshalIndent(b.s, "", "  ")
	if err == nil {
		_ = atomicfile.WriteFile(b.path, append(data, '\n'), 0o644) // best effort: status is advisory
	}
}

func (b *statusBoard) addError(err error) {
	b.update(func(s *Status) {
		s.Errors = append(s.Errors, StatusError{Time: time.Now().UTC(), Message: err.Error()})
		if len(s.Errors) > maxErrors {
			s.Errors = s.Errors[len(s.Errors)-maxErrors:]
		}
	})
}

func (b *statusBoard) snapshot() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, _ := json.Marshal(b.s)
	var s Status
	_ = json.Unmarshal(data, &s)
	return s
}

// ReadStatus reads the status a controller keeps in its state folder.
func ReadStatus(stateDir string) (*Status, error) {
	path := stateDirOf(stateDir).statusFile()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read status: %w (is a controller using state folder %s?)", err, stateDir)
	}
	var s Status
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read status %s: %w", path, err)
	}
	return &s, nil
}

func summarize(r *pipeline.Run) RunSummary {
	s := RunSummary{ID: r.ID, Pipeline: r.Pipeline, Status: r.Status, Start: r.Start, End: r.End, Error: r.Error}
	if r.Git != nil {
		s.Commit = r.Git.Commit
	}
	return s
}

func stateDirOf(root string) stateDir { return stateDir{root: root} }
