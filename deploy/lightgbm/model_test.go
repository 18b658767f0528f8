package lightgbm

import (
	"bufio"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TestModel_Predict scores testdata/stump.txt, a hand-written model: usage
// < 50.5 goes on to age (< 40.5: -1, else 0.5), else 2; decision_type 2
// sends a missing value left (LightGBM's default_left bit).
func TestModel_Predict(t *testing.T) {
	t.Parallel()
	m, err := Load(context.Background(), filepath.Join("testdata", "stump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Schema().Names(), ","); got != "age,plan,usage" || m.Objective() != "binary" || m.Version() != "lightgbm-v3" {
		t.Fatalf("names %s objective %s version %s", got, m.Objective(), m.Version())
	}
	nan := math.NaN()
	f := &scoring.Frame{Width: 3, Rows: 4, Values: []float64{
		30, 1, 10, // usage < 50.5, age < 40.5
		60, 1, 10, // usage < 50.5, age >= 40.5
		30, 1, 80, // usage >= 50.5
		nan, 1, nan, // missing: left, left
	}}
	got, err := m.Predict(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{sigmoid(-1), sigmoid(0.5), sigmoid(2), sigmoid(-1)}
	if got.Width != 1 || len(got.Values) != 4 {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if math.Abs(got.Values[i]-want[i]) > 1e-12 {
			t.Errorf("row %d: got %v, want %v", i, got.Values[i], want[i])
		}
	}
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	stump, err := os.ReadFile(filepath.Join("testdata", "stump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty":          nil,
		"xgboost json":   []byte(`{"learner": {}}`),
		"truncated":      stump[:len(stump)/2],
		"bad child":      []byte(strings.Replace(string(stump), "left_child=1 -1", "left_child=7 -1", 1)),
		"bad num_leaves": []byte(strings.Replace(string(stump), "num_leaves=3", "num_leaves=x", 1)),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Parse(data); err == nil {
				t.Fatal("Parse accepted a broken model")
			}
		})
	}
}

// leavesTestdata returns the testdata folder of the leaves module, which
// ships LightGBM models with LightGBM's own predictions (LightGBM itself
// is not in Debian, so the test cannot train one).
func leavesTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/dmitryikh/leaves").Output()
	dir := filepath.Join(strings.TrimSpace(string(out)), "testdata")
	if _, serr := os.Stat(filepath.Join(dir, "lgmulticlass.model")); err != nil || serr != nil {
		msg := "leaves' testdata (LightGBM models and predictions) not found; run go mod download"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// readTSV reads rows of tab-separated numbers, dropping the first skip
// columns and padding short rows with zeros to width (as the LightGBM
// CLI's predictions were made).
func readTSV(t *testing.T, path string, skip, width int) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < skip {
			continue
		}
		row := make([]float64, 0, width)
		for _, s := range fields[skip:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			row = append(row, v)
		}
		for len(row) < width {
			row = append(row, 0)
		}
		rows = append(rows, row)
	}
	return rows
}

// TestModel_Predict_parity compares with LightGBM's own predictions.
func TestModel_Predict_parity(t *testing.T) {
	t.Parallel()
	dir := leavesTestdata(t)
	tests := []struct {
		model, data, truth string
		skip, width        int
		objective          string
	}{
		{"lgmulticlass.model", "multiclass_test.tsv", "lgmulticlass_true_predictions.txt", 1, 5, "multiclass"},
		{"lg_dart_breast_cancer.model", "breast_cancer_test.tsv", "lg_dart_breast_cancer_true_predictions.txt", 0, 1, "binary"},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			t.Parallel()
			m, err := Load(context.Background(), filepath.Join(dir, tc.model))
			if err != nil {
				t.Fatal(err)
			}
			if m.Objective() != tc.objective {
				t.Fatalf("objective %s, want %s", m.Objective(), tc.objective)
			}
			width := m.Schema().Width()
			x := readTSV(t, filepath.Join(dir, tc.data), tc.skip, width)
			want := readTSV(t, filepath.Join(dir, tc.truth), 0, tc.width)
			f := &scoring.Frame{Width: width, Rows: len(x)}
			for _, r := range x {
				f.Values = append(f.Values, r[:width]...)
			}
			got, err := m.Predict(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != tc.width || len(want) != len(x) || len(got.Values) != len(want)*tc.width {
				t.Fatalf("got %d values of width %d for %d rows (%d expected)", len(got.Values), got.Width, len(x), len(want))
			}
			var worst float64
			for r := range want {
				for c := range want[r] {
					d := math.Abs(got.Values[r*tc.width+c] - want[r][c])
					worst = max(worst, d)
					if !(d <= 1e-6) {
						t.Fatalf("row %d output %d: got %v, LightGBM %v", r, c, got.Values[r*tc.width+c], want[r][c])
					}
				}
			}
			t.Logf("%d rows, max |diff| %g", len(want), worst)
		})
	}
}

// FuzzParse checks that no file makes the loader panic (leaves' panics
// are recovered into errors) and that an accepted model can score a row.
func FuzzParse(f *testing.F) {
	stump, err := os.ReadFile(filepath.Join("testdata", "stump.txt"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stump)
	f.Add([]byte("tree\nversion=v3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil || m.Schema().Width() > 1<<12 {
			return
		}
		fr := &scoring.Frame{Width: m.Schema().Width(), Rows: 1, Values: make([]float64, m.Schema().Width())}
		m.Predict(context.Background(), fr) // must not panic; an error is fine
	})
}
