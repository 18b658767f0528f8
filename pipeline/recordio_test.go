package pipeline

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
)

// The parser's tests own -update; the record's golden file has its own flag
// so that the two test files never register the same name.
var updateRecord = flag.Bool("update-record", false, "rewrite testdata/run.golden.json")

func sampleRun() *Run {
	start := time.Date(2026, 11, 26, 23, 30, 12, 0, time.UTC)
	return &Run{
		Schema:   RecordSchema,
		ID:       "20261126T233012Z-3f2a9c",
		Pipeline: "churn",
		Trigger:  Trigger{Kind: "manual"},
		Git:      &GitInfo{Commit: "0123456789abcdef0123456789abcdef01234567", Branch: "main", Dirty: true},
		Params:   Params{"n_estimators": int64(200), "lr": 0.1, "name": "x", "on": true},
		Status:   StatusFailed,
		Start:    start,
		End:      start.Add(90 * time.Second),
		Tasks: []*TaskRecord{
			{
				Name: "prepare", Status: StatusSuccess, CacheHit: true, CacheKey: strings.Repeat("a", 64),
				Start: start, End: start,
				Outputs: []Output{{Path: "data/train.csv", SHA256: strings.Repeat("b", 64), Size: 42}},
			},
			{
				Name: "train", Needs: []string{"prepare"}, Status: StatusFailed, Error: "exit status 1",
				Start: start, End: start.Add(time.Minute), CacheKey: strings.Repeat("c", 64),
				Attempts: []Attempt{
					{Number: 1, Start: start, End: start.Add(time.Second), ExitCode: 1, Error: "exit status 1", Log: strings.Repeat("d", 64)},
					{Number: 2, Start: start.Add(2 * time.Second), End: start.Add(time.Minute), ExitCode: -1, Error: "timed out after 58s"},
				},
				Params:        Params{"depth": int64(3)},
				Metrics:       map[string]float64{"f1": 0.8, "auc": 0.9},
				MetricHistory: map[string][]MetricPoint{"loss": {{Step: 0, Value: 1}, {Step: 1, Value: 0.5, Time: start}}},
				Tags:          map[string]string{"team": "risk"},
				Model:         &ModelSpec{Name: "churn-rf", File: "model.pkl", Flavor: FlavorCommand, Serve: "serve {model} {port}"},
			},
			{Name: "report", Needs: []string{"train"}, Status: StatusUpstreamFailed},
		},
	}
}

func TestWriteRun_Golden(t *testing.T) {
	dir := t.TempDir()
	r := sampleRun()
	if err := WriteRun(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(RunPath(dir, "churn", r.ID))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "run.golden.json")
	if *updateRecord {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-record to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("record bytes (-want +got):\n%s", diff)
	}
}

func TestReadRun_RoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := sampleRun()
	if err := WriteRun(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRun(RunPath(dir, r.Pipeline, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	// JSON numbers come back as float64 in Params.
	want := sampleRun()
	want.Params["n_estimators"] = 200.0
	want.Tasks[1].Params["depth"] = 3.0
	_, want.History = EncodeHistory(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReadRun_Errors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"future schema", `{"schema": 2, "id": "x", "pipeline": "p"}`, "schema 2 is not supported"},
		{"no schema", `{"id": "x", "pipeline": "p"}`, "schema 0 is not supported"},
		{"unknown field", `{"schema": 1, "id": "x", "pipeline": "p", "colour": 1}`, `unknown field "colour"`},
		{"syntax", "{\"schema\": 1,\n  \"id\": x}", "2:9:"},
		{"type", "{\"schema\": 1,\n\"id\": 5}", "2:"},
		{"no id", `{"schema": 1, "pipeline": "p"}`, "without id"},
		{"trailing", `{"schema": 1, "id": "x", "pipeline": "p"} {}`, "1:43: invalid character '{' after top-level value"},
		{"nested too deep", "{\"schema\": 1,\n\"params\": " + strings.Repeat("[", 200_000), "2:110: values nest more than 100 levels deep"},
		{"too large", `{"schema": 1, "id": "` + strings.Repeat("x", 33<<20) + `"}`, "larger than the 32 MiB mlcd reads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.json")
			os.WriteFile(path, []byte(tt.content), 0o644)
			_, err := ReadRun(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("ReadRun error = %v, want the file name and %q", err, tt.want)
			}
		})
	}
}

func TestWriteRun_RejectsBadNames(t *testing.T) {
	for _, r := range []*Run{{ID: "../x", Pipeline: "p"}, {ID: "x", Pipeline: ".."}, {ID: "", Pipeline: "p"}} {
		if err := WriteRun(t.TempDir(), r); err == nil {
			t.Errorf("WriteRun(id %q, pipeline %q) succeeded", r.ID, r.Pipeline)
		}
	}
}

func TestListRuns_SortedByID(t *testing.T) {
	dir := t.TempDir()
	if runs, err := ListRuns(dir, "p"); err != nil || len(runs) != 0 {
		t.Fatalf("no runs yet: %v, %v", runs, err)
	}
	ids := []string{"20261126T233012Z-bbbbbb", "20251126T233012Z-ffffff", "20261126T233012Z-aaaaaa"}
	for _, id := range ids {
		if err := WriteRun(dir, &Run{ID: id, Pipeline: "p", Status: StatusSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, RunsDir, "p", "notes.txt"), []byte("ignored"), 0o644)
	runs, err := ListRuns(dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.ID)
	}
	want := []string{ids[1], ids[2], ids[0]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestNewRunID(t *testing.T) {
	t1 := time.Date(2026, 11, 26, 23, 30, 12, 0, time.FixedZone("X", 3600))
	id := NewRunID(t1)
	if !regexp.MustCompile(`^20261126T223012\.000Z-[0-9a-f]{6}$`).MatchString(id) {
		t.Errorf("NewRunID = %q", id)
	}
	// Runs started in the same second still sort by start.
	for _, d := range []time.Duration{time.Millisecond, 999 * time.Millisecond, time.Second} {
		if later := NewRunID(t1.Add(d)); later <= id {
			t.Errorf("ids do not sort by time: %q then %q (%s later)", id, later, d)
		}
	}
}

func FuzzDecodeRun(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "run.golden.json"))
	if err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"schema": 1, "id": "x", "pipeline": "p", "tasks": null}`))
	f.Add([]byte(`{"schema": 1, "id": "x"`))
	f.Add([]byte(`[]`))
	for _, seed := range limittest.JSONSeeds(200 << 10) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r *Run
		var err error
		limittest.Allocs(t, len(data), func() { r, err = decodeRun(data) })
		if err != nil {
			return
		}
		if r.ID == "" || r.Pipeline == "" || r.Schema != RecordSchema {
			t.Fatalf("accepted an invalid record: %+v", r)
		}
	})
}

// Records are filed by the month of their id; records from before, at the
// top of runs/<pipeline>/, are still listed.
func TestRunRelPath_FilesByMonthAndListsBoth(t *testing.T) {
	t.Parallel()
	if got, want := RunRelPath("churn", "20261126T233012.123Z-3f2a9c"), "runs/churn/2026-11/20261126T233012.123Z-3f2a9c.json"; got != want {
		t.Errorf("RunRelPath = %q, want %q", got, want)
	}
	if got, want := RunRelPath("churn", "manual-1"), "runs/churn/manual-1.json"; got != want {
		t.Errorf("RunRelPath of a non-time id = %q, want %q", got, want)
	}
	dir := t.TempDir()
	for _, id := range []string{"20261126T233012.123Z-aaaaaa", "20261201T000000.000Z-bbbbbb"} {
		if err := WriteRun(dir, &Run{ID: id, Pipeline: "churn", Status: StatusSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	old := filepath.Join(dir, "runs", "churn", "20251001T000000Z-cccccc.json")
	if err := os.WriteFile(old, []byte(`{"schema":1,"id":"20251001T000000Z-cccccc","pipeline":"churn","trigger":{"kind":"manual"},"status":"success","start":"2025-10-01T00:00:00Z","tasks":[]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runs, err := ListRuns(dir, "churn")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	want := []string{"20251001T000000Z-cccccc", "20261126T233012.123Z-aaaaaa", "20261201T000000.000Z-bbbbbb"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("listed runs (-want +got):\n%s", diff)
	}
}
