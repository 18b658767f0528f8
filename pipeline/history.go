package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Metric histories are most of what a run logs: a training loop that
// logs 20 metrics for 100 epochs in 4 tasks writes 8,000 points, and as
// JSON inside the record that was 200 KiB a run, which every reader of
// records (the report's runs table, the controller, `mlcd log`) decoded
// to get at a few final values. So a record keeps the final metrics and
// names a history file next to it, runs/<pipeline>/<yyyy-mm>/<run-id>.history,
// in the compact binary format below, read only by what draws the
// histories. docs/run-record.md documents the layout.

// HistoryRef is a record's pointer to its history file.
type HistoryRef struct {
	File   string `json:"file"`   // base name, in the record's folder
	Size   int64  `json:"size"`   // bytes
	Series int    `json:"series"` // metric histories (task x metric)
	Points int    `json:"points"` // logged values, all series together
}

// MaxHistoryBytes bounds a history file: 256 MiB holds some 30 million
// points.
const MaxHistoryBytes = 256 << 20

// HistoryExt ends the name of a history file.
const HistoryExt = ".history"

// historyMagic opens every history file; its last byte is the format
// version.
const historyMagic = "MLCDHST1"

// maxHistoryName bounds a task or metric name in a history file.
const maxHistoryName = 4096

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// HistoryRelPath is the slash path of a run's history file.
func HistoryRelPath(pipeline, id string) string {
	return strings.TrimSuffix(RunRelPath(pipeline, id), ".json") + HistoryExt
}

// HasHistory reports whether any task of r has a metric history in memory.
func (r *Run) HasHistory() bool {
	for _, t := range r.Tasks {
		if t != nil && len(t.MetricHistory) > 0 {
			return true
		}
	}
	return false
}

// historyNames lists the metrics t has a history of, by name: the order
// of a history file.
func (t *TaskRecord) historyNames() []string {
	names := make([]string, 0, len(t.MetricHistory))
	for k := range t.MetricHistory {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// EncodeHistory returns the history file of r's tasks' metric histories:
// tasks in record order, metrics by name, so the same run gives the same
// bytes.
func EncodeHistory(r *Run) (data []byte, ref *HistoryRef) {
	ref = &HistoryRef{File: r.ID + HistoryExt}
	b := append(make([]byte, 0, 1024), historyMagic...)
	var series int
	for _, t := range r.Tasks {
		if t != nil {
			series += len(t.MetricHistory)
		}
	}
	b = binary.AppendUvarint(b, uint64(series))
	for _, t := range r.Tasks {
		if t == nil {
			continue
		}
		for _, k := range t.historyNames() {
			b = appendSeries(b, t.Name, k, t.MetricHistory[k])
			ref.Series++
			ref.Points += len(t.MetricHistory[k])
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crcOf(b))
	ref.Size = int64(len(b))
	return b, ref
}

// Time flags of a series.
const (
	noTimes   = 0 // no point has a time
	allTimes  = 1 // every point has one
	someTimes = 2 // a byte per point says which have one
)

func appendSeries(b []byte, task, metric string, pts []MetricPoint) []byte {
	b = appendString(b, task)
	b = appendString(b, metric)
	b = binary.AppendUvarint(b, uint64(len(pts)))
	var prev int64
	for _, p := range pts {
		b = binary.AppendVarint(b, p.Step-prev)
		prev = p.Step
	}
	timed := 0
	for _, p := range pts {
		if !p.Time.IsZero() {
			timed++
		}
	}
	switch {
	case timed == 0:
		b = append(b, noTimes)
	case timed == len(pts):
		b = append(b, allTimes)
	default:
		b = append(b, someTimes)
		for _, p := range pts {
			if p.Time.IsZero() {
				b = append(b, 0)
			} else {
				b = append(b, 1)
			}
		}
	}
	if timed > 0 {
		prev = 0
		for _, p := range pts {
			if p.Time.IsZero() {
				continue
			}
			ns := p.Time.UnixNano()
			b = binary.AppendVarint(b, ns-prev)
			prev = ns
		}
	}
	for _, p := range pts {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Value))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// History is a decoded history file: task name to metric name to points.
type History map[string]map[string][]MetricPoint

// DecodeHistory reads a history file. Every problem is an error that says
// where in the file it is; nothing is half-read.
func DecodeHistory(data []byte) (History, error) {
	series, times, err := decodeHistory(data, true, nil)
	if err != nil {
		return nil, err
	}
	// Every point of the file is in one allocation.
	total := 0
	for _, s := range series {
		total += len(s.Steps)
	}
	pool := make([]MetricPoint, total)
	h := History{}
	for i, s := range series {
		pts := pool[:len(s.Steps):len(s.Steps)]
		pool = pool[len(s.Steps):]
		for j := range pts {
			pts[j].Step, pts[j].Value = s.Steps[j], s.Values[j]
			if times[i] != nil {
				pts[j].Time = times[i][j]
			}
		}
		if h[s.Task] == nil {
			h[s.Task] = map[string][]MetricPoint{}
		}
		h[s.Task][s.Metric] = pts
	}
	return h, nil
}

// Series is one metric's history as columns, without the points' times:
// what draws or compares histories needs, in a third of the memory of
// MetricPoints and with no pointers for the garbage collector to follow.
type Series struct {
	Task, Metric string
	Steps        []int64
	Values       []float64
}

// DecodeSeries reads a history file as DecodeHistory does, with the same
// checks and errors, into columns in file order and without times.
func DecodeSeries(data []byte) ([]Series, error) {
	series, _, err := decodeHistory(data, false, nil)
	return series, err
}

// SeriesBuffers is memory a reader of many history files can reuse, one
// file at a time: LoadSeries reads the file into File and its columns
// into Steps and Values, growing them as needed. The series it returns
// share them, so they are the caller's only until the next load.
type SeriesBuffers struct {
	File   []byte
	Steps  []int64
	Values []float64
}

// decodeHistory reads a history file into columns and, withTimes, each
// series' times (nil for a series without any; a zero time for a point
// without one).
func decodeHistory(data []byte, withTimes bool, buf *SeriesBuffers) ([]Series, [][]time.Time, error) {
	if len(data) < len(historyMagic)+4 || string(data[:len(historyMagic)-1]) != historyMagic[:len(historyMagic)-1] {
		return nil, nil, errors.New("not an mlcd history file")
	}
	if v := data[len(historyMagic)-1]; v != historyMagic[len(historyMagic)-1] {
		return nil, nil, fmt.Errorf("history file format %c is not supported (this mlcd reads %c)", v, historyMagic[len(historyMagic)-1])
	}
	body := data[:len(data)-4]
	if got, want := crcOf(body), binary.LittleEndian.Uint32(data[len(data)-4:]); got != want {
		return nil, nil, fmt.Errorf("history file damaged (checksum %08x, want %08x): restore it from the commit that recorded the run", got, want)
	}
	d := historyDecoder{b: body, off: len(historyMagic)}
	// A point takes at least 9 bytes (a step and a value), so this bounds
	// the columns by the file, in one allocation each.
	if buf != nil && cap(buf.Steps) >= len(body)/9 && cap(buf.Values) >= len(body)/9 {
		d.steps, d.values = buf.Steps[:0], buf.Values[:0]
	} else {
		d.steps = make([]int64, 0, len(body)/9)
		d.values = make([]float64, 0, len(body)/9)
		if buf != nil {
			buf.Steps, buf.Values = d.steps, d.values
		}
	}
	n := d.count("series")
	series := make([]Series, 0, n)
	var times [][]time.Time
	if withTimes {
		times = make([][]time.Time, 0, n)
	}
	type key struct{ task, metric string }
	seen := make(map[key]bool, n)
	for i := 0; i < n && d.err == nil; i++ {
		s, ts := d.series(withTimes)
		if d.err != nil {
			break
		}
		if seen[key{s.Task, s.Metric}] {
			d.fail("metric %q of task %q twice", s.Metric, s.Task)
			break
		}
		seen[key{s.Task, s.Metric}] = true
		series = append(series, s)
		if withTimes {
			times = append(times, ts)
		}
	}
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d bytes after the last series", len(d.b)-d.off)
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return series, times, nil
}

type historyDecoder struct {
	b      []byte
	off    int
	err    error
	steps  []int64   // backs the series' steps
	values []float64 // and their values
}

func (d *historyDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("history file, byte %d: %s", d.off, fmt.Sprintf(format, args...))
	}
}

func (d *historyDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.off += n
	return v
}

func (d *historyDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad number")
		return 0
	}
	d.off += n
	return v
}

// count reads a count of things that take at least one byte each, so a
// damaged count cannot make the reader allocate more than the file holds.
func (d *historyDecoder) count(what string) int {
	v := d.uvarint()
	if v > uint64(len(d.b)-d.off) {
		d.fail("%d %s cannot fit in the file", v, what)
		return 0
	}
	return int(v)
}

func (d *historyDecoder) str(what string) string {
	n := d.count(what)
	if d.err != nil {
		return ""
	}
	if n == 0 || n > maxHistoryName {
		d.fail("%s name of %d bytes", what, n)
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	if !utf8.ValidString(s) {
		d.fail("%s name is not UTF-8", what)
		return ""
	}
	d.off += n
	return s
}

// take returns the next n elements of pool (growing it past its
// capacity only for a file that breaks the 9-byte bound) and the pool
// with them taken.
func take[T any](pool []T, n int) (col, rest []T) {
	if len(pool)+n > cap(pool) {
		return make([]T, n), pool
	}
	return pool[len(pool) : len(pool)+n : len(pool)+n], pool[:len(pool)+n]
}

// series reads one series, and its times withTimes.
func (d *historyDecoder) series(withTimes bool) (s Series, times []time.Time) {
	s.Task = d.str("task")
	s.Metric = d.str("metric")
	n := d.count("points")
	if d.err != nil {
		return Series{}, nil
	}
	s.Steps, d.steps = take(d.steps, n)
	var step int64
	for i := range s.Steps {
		// Steps mostly go up by less than 64: one byte, read here
		// without a call.
		if d.off < len(d.b) && d.b[d.off] < 0x80 {
			u := int64(d.b[d.off])
			step += u>>1 ^ -(u & 1)
			d.off++
		} else {
			step += d.varint()
		}
		s.Steps[i] = step
	}
	if d.err != nil {
		return Series{}, nil
	}
	timed, anyTime := d.timeFlags(n)
	if anyTime && withTimes {
		times = make([]time.Time, n)
	}
	var ns int64
	for i := 0; i < n; i++ {
		if d.err != nil {
			return Series{}, nil
		}
		if !anyTime || (timed != nil && !timed[i]) {
			continue
		}
		ns += d.varint()
		if times != nil {
			times[i] = time.Unix(0, ns).UTC()
		}
	}
	if d.err != nil {
		return Series{}, nil
	}
	if len(d.b)-d.off < 8*n {
		d.fail("%d values cut short", n)
		return Series{}, nil
	}
	s.Values, d.values = take(d.values, n)
	for i := range s.Values {
		s.Values[i] = math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
		d.off += 8
	}
	return s, times
}

// timeFlags reads a series' time flag: whether any point has a time and,
// when only some do, which (nil when all do).
func (d *historyDecoder) timeFlags(n int) (timed []bool, hasTime bool) {
	if d.off >= len(d.b) {
		d.fail("time flag missing")
		return nil, false
	}
	flag := d.b[d.off]
	d.off++
	switch flag {
	case allTimes:
		return nil, true
	case noTimes:
		return nil, false
	case someTimes:
		if len(d.b)-d.off < n {
			d.fail("time flags cut short")
			return nil, false
		}
		timed = make([]bool, n)
		for i := range timed {
			switch d.b[d.off+i] {
			case 0:
			case 1:
				timed[i] = true
			default:
				d.fail("bad time flag %d", d.b[d.off+i])
				return nil, false
			}
		}
		d.off += n
		return timed, true
	}
	d.fail("bad time flag %d", flag)
	return nil, false
}

// Attach puts h's histories into the tasks of r; series of tasks r does
// not have are an error (a history file of another run).
func (h History) Attach(r *Run) error {
	tasks := make([]string, 0, len(h))
	for task := range h {
		tasks = append(tasks, task)
	}
	sort.Strings(tasks) // the same error for the same file
	for _, task := range tasks {
		t := r.Task(task)
		if t == nil {
			return fmt.Errorf("history file has task %q, which run %s does not", task, r.ID)
		}
		t.MetricHistory = h[task]
	}
	return nil
}

// LoadHistory reads the history file r names from fsys (whose root holds
// runs/) and attaches it to r's tasks. recordPath is the slash path of r's
// record in fsys. A record without a history file is left as it is.
func LoadHistory(fsys fs.FS, recordPath string, r *Run) error {
	if r.History == nil {
		return nil
	}
	p, data, err := readHistoryFile(fsys, recordPath, r, nil)
	if err != nil {
		return err
	}
	return attachHistory(p, data, r)
}

// LoadSeries is LoadHistory for readers of columns: the metric histories
// of r, from the history file it names or, for a record that holds them
// inline, from the record, tasks in record order and metrics by name.
// buf, if not nil, is memory to reuse (see SeriesBuffers).
func LoadSeries(fsys fs.FS, recordPath string, r *Run, buf *SeriesBuffers) ([]Series, error) {
	order := make(map[string]int, len(r.Tasks))
	for i, t := range r.Tasks {
		if t != nil {
			order[t.Name] = i
		}
	}
	if r.History == nil {
		var out []Series
		for _, t := range r.Tasks {
			if t == nil {
				continue
			}
			for _, k := range t.historyNames() {
				h := t.MetricHistory[k]
				s := Series{Task: t.Name, Metric: k, Steps: make([]int64, len(h)), Values: make([]float64, len(h))}
				for i, p := range h {
					s.Steps[i], s.Values[i] = p.Step, p.Value
				}
				out = append(out, s)
			}
		}
		return out, nil
	}
	var file []byte
	if buf != nil {
		file = buf.File
	}
	p, data, err := readHistoryFile(fsys, recordPath, r, file)
	if err != nil {
		return nil, err
	}
	if buf != nil {
		buf.File = data
	}
	series, _, err := decodeHistory(data, false, buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	missing := ""
	for _, s := range series {
		if _, ok := order[s.Task]; !ok && (missing == "" || s.Task < missing) {
			missing = s.Task // the same error as Attach's for the same file
		}
	}
	if missing != "" {
		return nil, fmt.Errorf("%s: history file has task %q, which run %s does not", p, missing, r.ID)
	}
	sort.SliceStable(series, func(i, j int) bool {
		a, b := &series[i], &series[j]
		if a.Task != b.Task {
			return order[a.Task] < order[b.Task]
		}
		return a.Metric < b.Metric
	})
	return series, nil
}

// readFileInto reads the file name of fsys into buf's memory, growing it
// as needed: fs.ReadFile with a buffer to reuse. It stops after limit
// bytes: a file larger than its record says is not read to its end.
func readFileInto(fsys fs.FS, name string, buf []byte, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < math.MaxInt32 && fi.Size() < limit && cap(buf) <= int(fi.Size()) {
		buf = make([]byte, 0, fi.Size()+1) // one byte more to see the end in one read
	}
	data := buf[:0]
	for int64(len(data)) < limit {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// readHistoryFile reads the history file r names, checking its name and
// its size against the record; p is its path in fsys.
func readHistoryFile(fsys fs.FS, recordPath string, r *Run, buf []byte) (p string, data []byte, err error) {
	p, err = historyPath(recordPath, r.History)
	if err != nil {
		return "", nil, err
	}
	if r.History.Size > MaxHistoryBytes {
		return "", nil, fmt.Errorf("%s: the record says %d bytes, more than the %d MiB mlcd reads", p, r.History.Size, MaxHistoryBytes>>20)
	}
	data, err = readFileInto(fsys, p, buf, r.History.Size+1)
	if err != nil {
		return "", nil, fmt.Errorf("read history of run %s: %w", r.ID, err)
	}
	if int64(len(data)) > r.History.Size {
		return "", nil, fmt.Errorf("%s: larger than the %d bytes the record says", p, r.History.Size)
	}
	if int64(len(data)) != r.History.Size {
		return "", nil, fmt.Errorf("%s: %d bytes, the record says %d", p, len(data), r.History.Size)
	}
	return p, data, nil
}

func attachHistory(p string, data []byte, r *Run) error {
	h, err := DecodeHistory(data)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if err := h.Attach(r); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// historyPath is the history file's path next to the record, after
// checking that the record's name for it stays in the record's folder.
func historyPath(recordPath string, ref *HistoryRef) (string, error) {
	f := ref.File
	if f == "" || f == "." || f == ".." || strings.ContainsAny(f, `/\`) || !strings.HasSuffix(f, HistoryExt) {
		return "", fmt.Errorf("%s: history file %q must be a %s file in the record's folder", recordPath, f, HistoryExt)
	}
	return path.Join(path.Dir(recordPath), f), nil
}

// SplitHistory returns r's record without the metric histories, pointing
// at a history file, and that file's bytes; a run with no history comes
// back as it is with nil data. r itself is not changed.
func SplitHistory(r *Run) (*Run, []byte) {
	if !r.HasHistory() {
		return r, nil
	}
	data, ref := EncodeHistory(r)
	out := *r
	out.History = ref
	out.Tasks = make([]*TaskRecord, len(r.Tasks))
	for i, t := range r.Tasks {
		if t == nil {
			continue
		}
		c := *t
		c.MetricHistory = nil
		out.Tasks[i] = &c
	}
	return &out, data
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
