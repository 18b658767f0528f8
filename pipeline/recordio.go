package pipeline

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/internal/inputlimit"
)

// RunPath is where the record of run id of pipeline lives under dir.
func RunPath(dir, pipeline, id string) string {
	return filepath.Join(dir, filepath.FromSlash(RunRelPath(pipeline, id)))
}

// RunRelPath is the slash path of a run's record in the repository:
// runs/<pipeline>/<yyyy-mm>/<run-id>.json. Records are filed by the month
// of the run id, so that no folder grows with the whole history: a commit
// that adds a record rewrites one month's folder, and GitHub lists every
// folder whole. An id that is not time-based stays at runs/<pipeline>/.
func RunRelPath(pipeline, id string) string {
	if month, ok := runMonth(id); ok {
		return RunsDir + "/" + pipeline + "/" + month + "/" + id + ".json"
	}
	return RunsDir + "/" + pipeline + "/" + id + ".json"
}

// runMonth is "2026-11" of a run id "20261126T...", if it is one.
func runMonth(id string) (string, bool) {
	if len(id) < 9 || id[8] != 'T' {
		return "", false
	}
	for _, c := range id[:8] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return id[:4] + "-" + id[4:6], true
}

// isMonthDir reports whether name is a month folder of runs/<pipeline>/.
func isMonthDir(name string) bool {
	if len(name) != 7 || name[4] != '-' {
		return false
	}
	_, ok := runMonth(name[:4] + name[5:7] + "01T")
	return ok
}

// RunFiles lists the record files of pipeline under the runs folder fsys
// holds at runs/<pipeline>: in month folders and, from before them, at the
// top. Paths are slash paths relative to fsys's root.
func RunFiles(fsys fs.FS, pipeline string) ([]string, error) {
	top := RunsDir + "/" + pipeline
	entries, err := fs.ReadDir(fsys, top)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && isMonthDir(name):
			sub, err := fs.ReadDir(fsys, top+"/"+name)
			if err != nil {
				return nil, fmt.Errorf("list runs: %w", err)
			}
			for _, f := range sub {
				if isRecordName(f) {
					files = append(files, top+"/"+name+"/"+f.Name())
				}
			}
		case isRecordName(e):
			files = append(files, top+"/"+name)
		}
	}
	return files, nil
}

func isRecordName(e fs.DirEntry) bool {
	name := e.Name()
	return !e.IsDir() && strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".")
}

// WriteRun writes r's files (MarshalRunFiles) atomically under dir:
// runs/<pipeline>/<yyyy-mm>/<id>.json, 2-space indented JSON with a
// trailing newline, and its history file when tasks logged histories.
// The history is written first, so a record is never there without the
// file it names. The same run always gives the same bytes.
func WriteRun(dir string, r *Run) error {
	if err := checkRunName("pipeline", r.Pipeline); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	if err := checkRunName("run id", r.ID); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	files, err := MarshalRunFiles(r)
	if err != nil {
		return fmt.Errorf("write run %s: %w", r.ID, err)
	}
	rec := RunRelPath(r.Pipeline, r.ID)
	for _, p := range []string{HistoryRelPath(r.Pipeline, r.ID), rec} {
		data, ok := files[p]
		if !ok {
			continue
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, filepath.FromSlash(p)), data, 0o644); err != nil {
			return fmt.Errorf("write run %s: %w", r.ID, err)
		}
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

// ReadRun reads the run record at path, with the metric histories of the
// history file it names. Unknown fields are errors, and so is a schema
// version this mlcd does not know.
func ReadRun(path string) (*Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	r, err := decodeRun(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := LoadHistory(os.DirFS(filepath.Dir(path)), filepath.Base(path), r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// recordLimits bound a run record before it is decoded.
var recordLimits = inputlimit.Limits{MaxBytes: 32 << 20, MaxDepth: inputlimit.DefaultMaxJSONDepth}

func decodeRun(data []byte) (*Run, error) {
	if e := inputlimit.JSON(data, recordLimits); e != nil {
		return nil, e
	}
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
	files, err := RunFiles(os.DirFS(dir), pipeline)
	if err != nil {
		return nil, err
	}
	var runs []*Run
	for _, name := range files {
		r, err := ReadRun(filepath.Join(dir, filepath.FromSlash(name)))
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

// CheckRecordBounds refuses a run record too large or too deeply nested to
// decode, as DecodeRun does, for readers that decode records their own way.
func CheckRecordBounds(data []byte) error {
	if e := inputlimit.JSON(data, recordLimits); e != nil {
		return e
	}
	return nil
}
