package pipeline

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
)

func historyRun() *Run {
	at := time.Date(2026, 11, 26, 23, 30, 12, 123456789, time.UTC)
	return &Run{ID: "20261126T233012Z-3f2a9c", Pipeline: "churn", Tasks: []*TaskRecord{
		{Name: "prepare"},
		{Name: "train", MetricHistory: map[string][]MetricPoint{
			"loss":  {{Step: 0, Value: 1, Time: at}, {Step: 10, Value: 0.5, Time: at.Add(time.Second)}, {Step: 5, Value: math.Inf(1), Time: at.Add(-time.Hour)}},
			"acc":   {{Step: -3, Value: 0.1}, {Step: 1 << 40, Value: math.NaN()}},
			"mixed": {{Step: 0, Value: 2}, {Step: 1, Value: 3, Time: at}},
			"empty": {},
		}},
		{Name: "eval", MetricHistory: map[string][]MetricPoint{"f1": {{Step: 0, Value: math.Copysign(0, -1)}}}},
	}}
}

// NaN is not equal to itself; compare histories by the bits of values.
var floatBits = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

func TestHistory_RoundTrip(t *testing.T) {
	r := historyRun()
	data, ref := EncodeHistory(r)
	if ref.Size != int64(len(data)) || ref.Series != 5 || ref.Points != 8 || ref.File != r.ID+HistoryExt {
		t.Fatalf("ref = %+v for %d bytes", ref, len(data))
	}
	h, err := DecodeHistory(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range r.Tasks {
		if diff := cmp.Diff(task.MetricHistory, h[task.Name], floatBits); len(task.MetricHistory) > 0 && diff != "" {
			t.Errorf("task %s (-want +got):\n%s", task.Name, diff)
		}
	}
	again, _ := EncodeHistory(r)
	if !bytes.Equal(data, again) {
		t.Error("the same run encoded to different bytes")
	}
}

// The layout is a format users' repositories keep: pin its bytes.
func TestEncodeHistory_Golden(t *testing.T) {
	data, _ := EncodeHistory(historyRun())
	golden := filepath.Join("testdata", "run.golden.history")
	if *updateRecord {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-record to create it)", err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("history bytes changed:\n got %x\nwant %x", data, want)
	}
}

func TestDecodeHistory_Errors(t *testing.T) {
	good, _ := EncodeHistory(historyRun())
	body := good[:len(good)-4]
	withSum := func(b []byte) []byte {
		out := append([]byte(nil), b...)
		return binary.LittleEndian.AppendUint32(out, crcOf(out))
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not an mlcd history file"},
		{"json", []byte(`{"loss": [1, 2, 3]}`), "not an mlcd history file"},
		{"future format", append([]byte("MLCDHST2"), good[8:]...), "format 2 is not supported"},
		{"damaged", append(append([]byte(nil), good[:20]...), append([]byte{good[20] ^ 1}, good[21:]...)...), "checksum"},
		{"cut short", withSum(body[:len(body)-5]), "cut short"},
		{"trailing bytes", withSum(append(append([]byte(nil), body...), 7)), "after the last series"},
		{"huge count", withSum([]byte("MLCDHST1\xff\xff\xff\xff\x0f")), "cannot fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeHistory(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeHistory error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLoadHistory(t *testing.T) {
	full := historyRun()
	rec, data := SplitHistory(full)
	if rec == full || full.History != nil || full.Tasks[1].MetricHistory == nil {
		t.Fatal("SplitHistory changed its argument")
	}
	for _, task := range rec.Tasks {
		if task.MetricHistory != nil {
			t.Fatalf("record task %s kept its history", task.Name)
		}
	}
	recPath := RunRelPath(rec.Pipeline, rec.ID)
	histPath := HistoryRelPath(rec.Pipeline, rec.ID)
	if want := "runs/churn/2026-11/20261126T233012Z-3f2a9c.history"; histPath != want {
		t.Fatalf("HistoryRelPath = %s, want %s", histPath, want)
	}
	t.Run("attached", func(t *testing.T) {
		r := *rec
		r.Tasks = cloneTasks(rec.Tasks)
		if err := LoadHistory(fstest.MapFS{histPath: {Data: data}}, recPath, &r); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(full.Tasks[1].MetricHistory, r.Tasks[1].MetricHistory, floatBits); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	errs := map[string]struct {
		fsys fstest.MapFS
		edit func(r *Run)
		want string
	}{
		"missing file":    {fstest.MapFS{}, nil, "read history of run"},
		"size differs":    {fstest.MapFS{histPath: {Data: append(append([]byte(nil), data...), 0)}}, nil, "the record says"},
		"escaping name":   {fstest.MapFS{}, func(r *Run) { r.History.File = "../x.history" }, "in the record's folder"},
		"other run's":     {fstest.MapFS{histPath: {Data: data}}, func(r *Run) { r.Tasks = r.Tasks[:1] }, `task "eval"`},
		"not a .history":  {fstest.MapFS{}, func(r *Run) { r.History.File = "x.json" }, "in the record's folder"},
		"claims too much": {fstest.MapFS{histPath: {Data: data}}, func(r *Run) { r.History.Size = MaxHistoryBytes + 1 }, "more than the 256 MiB mlcd reads"},
		"file far larger": {fstest.MapFS{histPath: {Data: make([]byte, 8<<20)}}, nil, "larger than the"},
	}
	for name, tt := range errs {
		t.Run(name, func(t *testing.T) {
			r := *rec
			ref := *rec.History
			r.History = &ref
			r.Tasks = cloneTasks(rec.Tasks)
			if tt.edit != nil {
				tt.edit(&r)
			}
			err := LoadHistory(tt.fsys, recPath, &r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadHistory error = %v, want %q", err, tt.want)
			}
			if _, err := LoadSeries(tt.fsys, recPath, &r, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadSeries error = %v, want %q", err, tt.want)
			}
		})
	}
}

// seriesOf lists r's in-memory histories as LoadSeries promises them:
// tasks in record order, metrics by name.
func seriesOf(r *Run) []Series {
	var out []Series
	for _, task := range r.Tasks {
		for _, k := range task.historyNames() {
			s := Series{Task: task.Name, Metric: k, Steps: []int64{}, Values: []float64{}}
			for _, p := range task.MetricHistory[k] {
				s.Steps = append(s.Steps, p.Step)
				s.Values = append(s.Values, p.Value)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestLoadSeries(t *testing.T) {
	full := historyRun()
	want := seriesOf(full)
	if len(want) != 5 || want[0].Task != "train" || want[0].Metric != "acc" || want[4].Task != "eval" {
		t.Fatalf("fixture series = %+v", want)
	}
	rec, data := SplitHistory(full)
	recPath := RunRelPath(rec.Pipeline, rec.ID)
	fsys := fstest.MapFS{HistoryRelPath(rec.Pipeline, rec.ID): {Data: data}}
	for name, r := range map[string]*Run{"history file": rec, "inline (older records)": full} {
		t.Run(name, func(t *testing.T) {
			got, err := LoadSeries(fsys, recPath, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, floatBits, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("file order is not record order", func(t *testing.T) {
		swapped := *full
		swapped.Tasks = []*TaskRecord{full.Tasks[0], full.Tasks[2], full.Tasks[1]}
		data, ref := EncodeHistory(&swapped) // eval's series first
		r := *rec
		r.History = ref
		got, err := LoadSeries(fstest.MapFS{HistoryRelPath(rec.Pipeline, rec.ID): {Data: data}}, recPath, &r, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, floatBits, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("buffers reused across files", func(t *testing.T) {
		// A small file, a bigger one, the small one again: each read
		// through the same buffers gives its own series.
		small := &Run{ID: "s", Pipeline: "p", Tasks: []*TaskRecord{{Name: "t", MetricHistory: map[string][]MetricPoint{"m": {{Step: 1, Value: 2}}}}}}
		big := historyRun()
		var buf SeriesBuffers
		for i, r := range []*Run{small, big, small} {
			rec, data := SplitHistory(r)
			recPath := RunRelPath(rec.Pipeline, rec.ID)
			got, err := LoadSeries(fstest.MapFS{HistoryRelPath(rec.Pipeline, rec.ID): {Data: data}}, recPath, rec, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(seriesOf(r), got, floatBits, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("load %d (-want +got):\n%s", i, diff)
			}
		}
		if cap(buf.File) == 0 || cap(buf.Steps) == 0 || cap(buf.Values) == 0 {
			t.Errorf("buffers not kept: %d, %d, %d", cap(buf.File), cap(buf.Steps), cap(buf.Values))
		}
	})
}

func cloneTasks(ts []*TaskRecord) []*TaskRecord {
	out := make([]*TaskRecord, len(ts))
	for i, t := range ts {
		c := *t
		out[i] = &c
	}
	return out
}

// FuzzDecodeHistory: no input makes the reader panic or allocate past the
// file, and what it reads encodes back to a file that reads the same.
func FuzzDecodeHistory(f *testing.F) {
	good, _ := EncodeHistory(historyRun())
	f.Add(good)
	f.Add([]byte("MLCDHST1"))
	f.Add([]byte{})
	// Counts that claim far more than the file holds, and a large file.
	f.Add(append([]byte("MLCDHST1"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))
	f.Add(append(append([]byte(nil), good...), make([]byte, 1<<20)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h History
		var err error
		limittest.Allocs(t, len(data), func() { h, err = DecodeHistory(data) })
		cols, colErr := DecodeSeries(data)
		if (err == nil) != (colErr == nil) || (err != nil && err.Error() != colErr.Error()) {
			t.Fatalf("DecodeHistory error %v, DecodeSeries error %v", err, colErr)
		}
		if err != nil {
			return
		}
		n := 0
		for _, m := range h {
			n += len(m)
		}
		if n != len(cols) {
			t.Fatalf("DecodeHistory read %d series, DecodeSeries %d", n, len(cols))
		}
		for _, c := range cols {
			pts, ok := h[c.Task][c.Metric]
			if !ok {
				t.Fatalf("DecodeSeries read %s.%s, DecodeHistory did not", c.Task, c.Metric)
			}
			if len(pts) != len(c.Steps) || len(pts) != len(c.Values) {
				t.Fatalf("%s.%s: %d points, columns of %d and %d", c.Task, c.Metric, len(pts), len(c.Steps), len(c.Values))
			}
			for i, p := range pts {
				if p.Step != c.Steps[i] || math.Float64bits(p.Value) != math.Float64bits(c.Values[i]) {
					t.Fatalf("%s.%s point %d: %+v, columns %d %v", c.Task, c.Metric, i, p, c.Steps[i], c.Values[i])
				}
			}
		}
		r := &Run{ID: "x"}
		for task, series := range h {
			r.Tasks = append(r.Tasks, &TaskRecord{Name: task, MetricHistory: series})
		}
		again, _ := EncodeHistory(r)
		h2, err := DecodeHistory(again)
		if err != nil {
			t.Fatalf("re-encoded history does not read: %v", err)
		}
		if diff := cmp.Diff(h, h2, floatBits, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Fatalf("re-read differs (-first +second):\n%s", diff)
		}
	})
}

// The example in docs/run-record.md is a record this mlcd reads.
func TestRunRecordDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "run-record.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/run-record.md has no JSON example")
	}
	r, err := DecodeRun([]byte(example))
	if err != nil {
		t.Fatalf("the documented example does not decode: %v", err)
	}
	if r.History == nil || r.History.File != r.ID+HistoryExt {
		t.Errorf("the example's history = %+v, want a file named after the run", r.History)
	}
}
