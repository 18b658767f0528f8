package registry

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// sha returns a valid digest that differs per seed.
func sha(seed int) string {
	return fmt.Sprintf("%064x", seed+1)
}

// sampleVersion is a valid version with every field set.
func sampleVersion(model string, n int) *Version {
	return &Version{
		Schema:      Schema,
		Model:       model,
		Version:     n,
		Stage:       StageNone,
		Aliases:     nil,
		Description: "",
		RunID:       fmt.Sprintf("20261126T2334%02dZ-ab12", n%60),
		Pipeline:    "churn",
		Task:        "train_rf",
		Commit:      strings.Repeat("a", 39) + fmt.Sprint(n%10),
		Artifact:    Artifact{File: "model.pkl", SHA256: sha(n), Size: int64(1000 + n)},
		Flavor:      pipeline.FlavorCommand,
		Serve:       "python3 src/serve.py --model {model} --port {port}",
		Metrics:     map[string]float64{"f1": 0.8 + float64(n)/1000, "auc": 0.9, "rows": 1000},
		Params:      pipeline.Params{"n_estimators": int64(200), "max_depth": int64(n), "criterion": "gini", "lr": 0.1, "balanced": true},
		Created:     time.Date(2026, 11, 26, 23, 34, n%60, 0, time.UTC),
	}
}

// cmpVersion compares versions; NaN metrics equal each other.
var cmpVersion = cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}

func diffVersions(t *testing.T, want, got *Version) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpVersion); d != "" {
		t.Errorf("version mismatch (-want +got):\n%s", d)
	}
}

// validText is what a string becomes in a file: invalid UTF-8 is replaced.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
