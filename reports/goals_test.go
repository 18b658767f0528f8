package reports

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadGoals(t *testing.T) {
	g, err := loadGoals(filepath.Join("testdata", "small", "repo"))
	if err != nil {
		t.Fatal(err)
	}
	if g.Metric != "f1" || g.Goal != "max" || !g.Tasks["train_xgb"] || g.Tasks["features"] {
		t.Fatalf("goals = %+v, want f1/max of the model tasks", g)
	}
	for col, want := range map[string]bool{"train_xgb.f1": true, "train_rf.f1": true, "features.f1": false, "train_xgb.f12": false, "f1": false, ".f1": false} {
		if got := g.promoted(col); got != want {
			t.Errorf("promoted(%q) = %v, want %v", col, got, want)
		}
	}
	if g.goalOf("f1") != "max" || g.goalOf("train_rf.f1") != "max" || g.goalOf("accuracy") != "" {
		t.Errorf("goalOf: %q %q %q", g.goalOf("f1"), g.goalOf("train_rf.f1"), g.goalOf("accuracy"))
	}
	none, err := loadGoals(t.TempDir())
	if err != nil || none.Metric != "" || none.promoted("a.f1") {
		t.Errorf("no mlcd.yaml: %+v, %v; want no goals and no error", none, err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "mlcd.yaml"), []byte("pipeline: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadGoals(bad); err == nil {
		t.Error("a broken mlcd.yaml gives no error")
	}
}

func TestVerdict(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	for _, tc := range []struct {
		goal        string
		base, value float64
		want        string
	}{
		{"max", 0.79, 0.8, "better"}, {"max", 0.8, 0.79, "worse"}, {"min", 0.8, 0.79, "better"},
		{"min", 0.79, 0.8, "worse"}, {"max", 0.8, 0.8, ""}, {"", 0.1, 0.2, ""}, {"max", nan, 0.2, ""},
	} {
		if got := verdict(tc.goal, tc.base, tc.value); got != tc.want {
			t.Errorf("verdict(%q, %v, %v) = %q, want %q", tc.goal, tc.base, tc.value, got, tc.want)
		}
	}
	if d := formatDelta(0.79, 0.8); d != "+0.01" {
		t.Errorf("formatDelta(0.79, 0.8) = %q, want +0.01", d)
	}
	if d := formatDelta(3, 1); d != "-2" {
		t.Errorf("formatDelta(3, 1) = %q, want -2", d)
	}
}
