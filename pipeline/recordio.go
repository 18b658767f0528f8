package pipeline

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
)

// RunPath is where the record of run id of pipeline lives under dir.
func RunPath(dir, pipeline, id string) string {
	return filepath.Join(dir, RunsDir, pipeline, id+".json")
}

// WriteRun writes r atomically to dir/runs/<pipeline>/<id>.json as
// 2-space indented JSON with a trailing newline. Field order is the order of
// the struct fields and map keys are sorted, so the same run always gives
// the same bytes.
func WriteRun(dir string, r *Run) error {
	if err := checkRunName("pipeline", r.Pipeline); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	if err := checkRunName("run id", r.ID); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	if r.Schema == 0 {
		r.Schema = RecordSchema
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write run %s: %w", r.ID, err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(RunPath(dir, r.Pipeline, r.ID), data, 0o644); err != nil {
		return fmt.Errorf("write run %s: %w", r.ID, err)
	}
	return nil
}

// checkRunName keeps a pipeline name or run id from leaving runs/.
func checkRunName(what, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%s %q cannot be a file name", what, s)
	}
	return nil
}

// ReadRun reads the run record at path. Unknown fields are errors, and so
// is a schema version this mlcd does not know.
func ReadRun(path string) (*Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	r, err := decodeRun(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func decodeRun(data []byte) (*Run, error) {
	var probe struct {
		Schema int `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, JSONPosition(data, err)
	}
	if probe.Schema != RecordSchema {
		return nil, fmt.Errorf("run record schema %d is not supported (this mlcd reads schema %d)", probe.Schema, RecordSchema)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Run
	if err := dec.Decode(&r); err != nil {
		return nil, JSONPosition(data, err)
	}
	if dec.More() {
		return nil, errors.New("data after the run record")
	}
	if r.ID == "" || r.Pipeline == "" {
		return nil, errors.New("run record without id or pipeline")
	}
	return &r, nil
}

// JSONPosition prefixes line:col to a JSON error that knows its byte
// offset in data (a syntax error, a value of the wrong type); other errors
// come back as they are. Every reader of JSON a person or a task wrote uses
// it, so messages point at the place.
func JSONPosition(data []byte, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		off int64 = -1
	)
	switch {
	case errors.As(err, &syn):
		off = syn.Offset - 1 // the offending byte
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return err
	}
	line, col := 1, 1
	for _, c := range data[:min(int(off), len(data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: %w", line, col, err)
}

// ListRuns reads every record of pipeline under dir, sorted by id (which
// is by start time). A missing folder is no runs, not an error.
func ListRuns(dir, pipeline string) ([]*Run, error) {
	if err := checkRunName("pipeline", pipeline); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	folder := filepath.Join(dir, RunsDir, pipeline)
	entries, err := os.ReadDir(folder)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var runs []*Run
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		r, err := ReadRun(filepath.Join(folder, name))
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs, nil
}

// NewRunID returns a run id that sorts by time: 20261126T233012.123Z-3f2a9c
// (UTC to the millisecond, so runs started in the same second still sort
// by start, then 6 random hex digits against collisions).
func NewRunID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return t.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
}
