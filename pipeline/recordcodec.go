package pipeline

import (
	"encoding/json"
	"fmt"
)

// MarshalRun returns the bytes of r's record file: 2-space indented JSON with
// a trailing newline, the same bytes for the same run (what WriteRun writes).
func MarshalRun(r *Run) ([]byte, error) {
	if err := checkRunName("pipeline", r.Pipeline); err != nil {
		return nil, fmt.Errorf("marshal run: %w", err)
	}
	if err := checkRunName("run id", r.ID); err != nil {
		return nil, fmt.Errorf("marshal run: %w", err)
	}
	if r.Schema == 0 {
		r.Schema = RecordSchema
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal run %s: %w", r.ID, err)
	}
	return append(data, '\n'), nil
}

// DecodeRun reads a run record from data (a file of a commit, say), as
// strictly as ReadRun.
func DecodeRun(data []byte) (*Run, error) { return decodeRun(data) }

// MarshalRunFiles returns the files that record r in a repository, by
// slash path: the record and, when its tasks logged metric histories,
// the history file the record names (SplitHistory).
func MarshalRunFiles(r *Run) (map[string][]byte, error) {
	rec, hist := SplitHistory(r)
	data, err := MarshalRun(rec)
	if err != nil {
		return nil, err
	}
	r.Schema = rec.Schema
	files := map[string][]byte{RunRelPath(r.Pipeline, r.ID): data}
	if hist != nil {
		files[HistoryRelPath(r.Pipeline, r.ID)] = hist
	}
	return files, nil
}
