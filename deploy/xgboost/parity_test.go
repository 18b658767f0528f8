package xgboost

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

// debianPython is Debian's interpreter, which has python3-xgboost; the
// python3 first on PATH may not.
const debianPython = "/usr/bin/python3"

var (
	trainOnce sync.Once
	trainDir  string
	trainErr  error
)

// trained runs testdata/train_parity.py once per test binary and returns
// its output folder. Without python3-xgboost the test skips, or fails
// under CI=true.
func trained(t *testing.T) string {
	t.Helper()
	trainOnce.Do(func() {
		check := exec.Command(debianPython, "-c", "import xgboost, sklearn, pandas")
		if out, err := check.CombinedOutput(); err != nil {
			trainErr = errors.New("needs Debian's python3-xgboost, python3-sklearn and python3-pandas at " +
				debianPython + ": " + string(bytes.TrimSpace(out)) + " " + err.Error())
			return
		}
		dir, err := os.MkdirTemp("", "xgboost-parity-")
		if err != nil {
			trainErr = err
			return
		}
		trainDir = dir
		cmd := exec.Command(debianPython, filepath.Join("testdata", "train_parity.py"), dir)
		cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			trainErr = errors.New("train_parity.py: " + err.Error() + "\n" + string(out))
		}
	})
	if trainErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(trainErr)
		}
		t.Skip(trainErr)
	}
	return trainDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if trainDir != "" {
		os.RemoveAll(trainDir)
	}
	os.Exit(code)
}

// readCSV reads a numeric CSV without header ("nan" is NaN).
func readCSV(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	rows := make([][]float64, len(recs))
	for i, rec := range recs {
		for _, s := range rec {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			rows[i] = append(rows[i], v)
		}
	}
	return rows
}

func frameOf(m *Model, rows [][]float64) *scoring.Frame {
	f := &scoring.Frame{Columns: m.Schema().Names(), Width: m.Schema().Width(), Rows: len(rows)}
	for _, r := range rows {
		f.Values = append(f.Values, r...)
	}
	return f
}

func TestModel_Predict_parity(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	kinds := []struct {
		kind, objective string
		width           int
		named           bool
	}{
		{"binary", "binary:logistic", 1, true},
		{"logitraw", "binary:logitraw", 1, true},
		{"multi", "multi:softprob", 3, true},
		{"softmax", "multi:softmax", 1, true},
		{"regression", "reg:squarederror", 1, false},
		{"poisson", "count:poisson", 1, true},
		{"dart", "reg:squarederror", 1, true},
	}
	for _, k := range kinds {
		for _, ext := range []string{"json", "ubj", "bin"} {
			t.Run(k.kind+"."+ext, func(t *testing.T) {
				t.Parallel()
				m, err := Load(context.Background(), filepath.Join(dir, k.kind+"."+ext))
				if err != nil {
					t.Fatal(err)
				}
				named := k.named && ext != "bin" // the binary format keeps no names
				if m.Objective() != k.objective || m.Schema().Named() != named || m.Schema().Width() != 10 {
					t.Fatalf("objective %s named %v width %d", m.Objective(), m.Schema().Named(), m.Schema().Width())
				}
				x := readCSV(t, filepath.Join(dir, k.kind+".x.csv"))
				want := readCSV(t, filepath.Join(dir, k.kind+".pred.csv"))
				got, err := m.Predict(context.Background(), frameOf(m, x))
				if err != nil {
					t.Fatal(err)
				}
				comparePredictions(t, got, want, k.width)
			})
		}
	}
}

// comparePredictions asserts every prediction is within 1e-6 of XGBoost's.
func comparePredictions(t *testing.T, got scoring.Predictions, want [][]float64, width int) {
	t.Helper()
	if len(want) != 1000 || got.Width != width || len(got.Values) != len(want)*width {
		t.Fatalf("got %d values of width %d for %d rows, want width %d", len(got.Values), got.Width, len(want), width)
	}
	var worst float64
	for r, row := range want {
		for c, w := range row {
			g := got.Values[r*width+c]
			d := math.Abs(g - w)
			worst = max(worst, d)
			if !(d <= 1e-6) {
				t.Fatalf("row %d output %d: got %.9g, XGBoost %.9g (diff %g)", r, c, g, w, d)
			}
		}
	}
	t.Logf("max |diff| over %d rows: %g", len(want), worst)
}
