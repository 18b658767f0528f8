package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestParse_Valid checks that each file of testdata/valid maps to exactly
// the Pipeline it means, defaults resolved.
func TestParse_Valid(t *testing.T) {
	builtin := Defaults{RetryDelay: DefaultRetryDelay, RetryBackoff: DefaultRetryBackoff, MaxRetryDelay: DefaultMaxRetryDelay}
	tests := []struct {
		file string
		want *Pipeline
	}{
		{"minimal.yaml", &Pipeline{
			Version: 1, Name: "hello", File: "mlcd.yaml", Defaults: builtin,
			Deploy: Deploy{Listen: DefaultListen, Approvals: 1},
			Tasks: []*Task{{
				Name: "say", Run: []string{"sh", "-c", "echo hello"}, Shell: true, Cache: true,
				RetryDelay: 5 * time.Second, Backoff: 2, MaxDelay: 5 * time.Minute, TriggerRule: AllSuccess, Line: 3,
			}},
		}},
		{"full.yaml", fullWant()},
		{"list-form.yaml", listFormWant()},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", "valid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse("mlcd.yaml", data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			checkInvariants(t, got)
		})
	}
}

func fullWant() *Pipeline {
	task := func(name string, line int, needs ...string) *Task {
		return &Task{
			Name: name, Run: []string{"sh", "-c", "python3 src/" + name + ".py"}, Shell: true, Needs: needs, Cache: true,
			Retries: 2, RetryDelay: 5 * time.Second, Backoff: 2, MaxDelay: 5 * time.Minute, Timeout: 30 * time.Minute,
			TriggerRule: AllSuccess, Line: line,
		}
	}
	load := task("load_data", 9)
	load.Cache = false
	features := task("features", 10, "load_data")
	features.Run, features.Shell = []string{"python3", "src/features.py", "--seed", "42"}, false
	features.Env = map[string]string{"PYTHONHASHSEED": "0"}
	features.Inputs = []string{"src/features.py", "data/*.csv"}
	features.Retries, features.Timeout, features.RetryDelay = 0, 10*time.Minute, time.Second
	xgb := task("train_xgb", 19, "features")
	xgb.Model = &ModelSpec{Name: "churn-xgb", File: "model.json", Flavor: FlavorXGBoost, InputExample: "input_example.json"}
	rf := task("train_rf", 23, "features")
	rf.Model = &ModelSpec{Name: "churn-rf", File: "model.pkl", Flavor: FlavorCommand, Serve: "python3 src/serve.py --model {model} --port {port}"}
	return &Pipeline{
		Version: 1, Name: "churn", File: "mlcd.yaml", Schedule: "*/30 * * * *", Timezone: "Europe/Berlin",
		OnPaths:  []string{"src/**", "data/**", "mlcd.yaml"},
		Params:   Params{"n_estimators": int64(200), "lr": 0.1, "name": "x", "flag": true},
		Defaults: Defaults{Retries: 2, RetryDelay: 5 * time.Second, RetryBackoff: 2, MaxRetryDelay: 5 * time.Minute, Timeout: 30 * time.Minute},
		Tasks:    []*Task{load, features, xgb, rf},
		Promote:  &Promote{Metric: "f1", Goal: "max", MinDelta: 0.005, OpenPR: true},
		Deploy: Deploy{Listen: "127.0.0.1:1234", Require: "merged-pr", Approvals: 1, MaxBody: 64 << 20, MLflowVersion: "2.9.2",
			Python: "/usr/bin/python3", Workers: 2, MaxBatch: 64, BatchWait: ptr(time.Millisecond)},
		Store: "file:///var/lib/mlcd/store",
	}
}

func listFormWant() *Pipeline {
	env := map[string]string{"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "DEBUG": "false"}
	return &Pipeline{
		Version: 1, Name: "iris.v2", File: "mlcd.yaml", Schedule: "@every 10m",
		Params:   Params{"depth": int64(6), "ratio": 0.25, "label": "007", "strict": false},
		Defaults: Defaults{RetryBackoff: 2, MaxRetryDelay: 5 * time.Minute, Timeout: time.Hour},
		Deploy:   Deploy{Listen: DefaultListen, Require: "none", Approvals: 0},
		Store:    "./store",
		Tasks: []*Task{
			{
				Name: "prepare", Run: []string{"sh", "-c", "python3 prepare.py\necho done\n"}, Shell: true,
				Env: env, Inputs: []string{"**/*.csv"}, Cache: true, Retries: 1, Backoff: 2, MaxDelay: 5 * time.Minute,
				TriggerRule: AllSuccess, Line: 19,
			},
			{
				Name: "train-tree", Run: []string{"/usr/bin/python3", "train.py", "--depth", "6"}, Needs: []string{"prepare"},
				Env: env, Cache: true, Retries: 1, Backoff: 1.5, MaxDelay: 10 * time.Second, Timeout: time.Hour,
				TriggerRule: AllSuccess, Line: 26,
				Model: &ModelSpec{Name: "iris-tree", File: "out/model.txt", Flavor: FlavorLightGBM},
			},
			{
				Name: "report", Run: []string{"sh", "-c", "python3 report.py"}, Shell: true, Needs: []string{"train-tree", "prepare"},
				Cache: true, Backoff: 2, MaxDelay: 5 * time.Minute, Timeout: time.Hour, TriggerRule: AllDone, Line: 33,
			},
		},
	}
}

// TestParse_DocExamples parses the complete files shown in the reference,
// docs/mlcd-yaml.md, so that the documentation cannot drift from the parser.
func TestParse_DocExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "mlcd-yaml.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```yaml\n")[1:]
	checked := 0
	for _, b := range blocks {
		body, _, _ := strings.Cut(b, "```")
		if !strings.Contains(body, "pipeline:") || !strings.Contains(body, "tasks:") {
			continue // a fragment
		}
		checked++
		if _, err := Parse("mlcd.yaml", []byte(body)); err != nil {
			t.Errorf("example %d of docs/mlcd-yaml.md: %v\n%s", checked, err, body)
		}
	}
	if checked < 2 {
		t.Errorf("checked %d examples, want at least 2", checked)
	}
}

func ptr[T any](v T) *T { return &v }
