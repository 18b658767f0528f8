package xgboost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

// tinyCases reads testdata/tiny.cases.csv: 3 inputs then XGBoost's 3
// class probabilities per line.
func tinyCases(t *testing.T) (x, want [][]float64) {
	t.Helper()
	for _, r := range readCSV(t, filepath.Join("testdata", "tiny.cases.csv")) {
		x, want = append(x, r[:3]), append(want, r[3:])
	}
	return x, want
}

func TestModel_Predict(t *testing.T) {
	t.Parallel()
	x, want := tinyCases(t)
	for name, wantMeta := range map[string]string{
		"tiny.json": "[a b c] 6 xgboost-1.7.4",
		"tiny.ubj":  "[a b c] 6 xgboost-1.7.4",
		"tiny.bin":  "[] 6 xgboost-1.7", // the binary format keeps no names
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := Load(context.Background(), filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%v %d %s", m.Schema().Names(), m.NumTrees(), m.Version()); got != wantMeta {
				t.Fatalf("names, trees, version = %s", got)
			}
			got, err := m.Predict(context.Background(), frameOf(m, x))
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != 3 {
				t.Fatalf("width %d, want 3", got.Width)
			}
			for r := range want {
				for c := range want[r] {
					if d := math.Abs(got.Values[r*3+c] - want[r][c]); !(d <= 1e-6) {
						t.Errorf("row %d class %d: got %v, XGBoost %v", r, c, got.Values[r*3+c], want[r][c])
					}
				}
			}
		})
	}
}

// TestModel_serve scores the tiny model through scoring.Handler: the JSON
// answer carries XGBoost's probabilities, one list per row.
func TestModel_serve(t *testing.T) {
	t.Parallel()
	m, err := Load(context.Background(), filepath.Join("testdata", "tiny.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(scoring.Handler(m.WithVersion("v7"), scoring.Options{}))
	defer srv.Close()
	x, want := tinyCases(t)
	body := `{"dataframe_records": [{"c": 0.25, "b": -2, "a": 1.5}, {"a": -1, "b": null, "c": 3}]}`
	resp, err := http.Post(srv.URL+"/invocations", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var got struct{ Predictions [][]float64 }
	if err := json.Unmarshal(raw, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	if x[2][0] != 1.5 || x[3][0] != -1 {
		t.Fatal("tiny.cases.csv rows 2 and 3 changed; update this test")
	}
	for i, wantRow := range [][]float64{want[2], want[3]} {
		for c := range wantRow {
			if d := math.Abs(got.Predictions[i][c] - wantRow[c]); !(d <= 1e-6) {
				t.Errorf("row %d class %d: got %v, want %v", i, c, got.Predictions[i][c], wantRow[c])
			}
		}
	}
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	tiny, err := os.ReadFile(filepath.Join("testdata", "tiny.json"))
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := os.ReadFile(filepath.Join("testdata", "tiny.bin"))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) []byte { return []byte(strings.Replace(string(tiny), old, new, 1)) }
	tests := []struct {
		name    string
		data    []byte
		wantIs  error
		wantMsg string
	}{
		{"truncated binary", legacy[:len(legacy)/2], nil, "binary model: tree 2: 7 nodes do not fit"},
		{"binary cut in its header", legacy[:100], nil, "binary model: unexpected end of file"},
		{"binary with too many trees", manyTrees(legacy), nil, "2147483647 trees do not fit"},
		{"not a model", []byte("hello"), nil, "not an xgboost model file"},
		{"truncated json", tiny[:len(tiny)/2], nil, "json: unexpected end"},
		{"no learner", []byte(`{"version": [1, 7, 4]}`), nil, `no "learner" object`},
		{"unknown objective", edit(`"multi:softprob"`, `"reg:quantileerror"`), ErrUnsupported, `objective "reg:quantileerror"`},
		{"linear booster", edit(`"name":"gbtree"`, `"name":"gblinear"`), ErrUnsupported, `booster "gblinear"`},
		{"categorical split", edit(`"split_type":[0`, `"split_type":[1`), ErrUnsupported, "categorical split"},
		{"child with two parents", edit(`"left_children":[1,3,5`, `"left_children":[1,3,3`), nil, "two parents"},
		{"child before parent", edit(`"left_children":[1`, `"left_children":[0`), nil, "out of order"},
		{"feature out of range", edit(`"num_class":"3","num_feature":"3"`, `"num_class":"3","num_feature":"1"`), nil, "feature names for 1 features"},
		{"base_score vector of several", edit(`"base_score":"5E-1"`, `"base_score":"[5E-1,2E-1]"`), nil, "base_score"},
		{"bad base_score", edit(`"base_score":"5E-1"`, `"base_score":"half"`), nil, "base_score"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.data)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %v, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

// FuzzParse checks that no file, JSON or UBJSON, makes the loader panic,
// and that a model it accepts can score a row of missing values.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"tiny.json", "tiny.ubj", "tiny.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"learner":{}}`))
	f.Add([]byte("{L\x00\x00\x00\x00\x00\x00\x00\x07learner[$d#i\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil || m.Schema().Width() > 1<<12 {
			return
		}
		fr := &scoring.Frame{Width: m.Schema().Width(), Rows: 1, Values: make([]float64, m.Schema().Width())}
		for i := range fr.Values {
			fr.Values[i] = math.NaN()
		}
		if _, err := m.Predict(context.Background(), fr); err != nil {
			t.Fatalf("Predict on an accepted model: %v", err)
		}
	})
}

// TestParse_baseScoreVector reads XGBoost 3's "[5E-1]" form of base_score
// like the scalar one.
func TestParse_baseScoreVector(t *testing.T) {
	t.Parallel()
	tiny, err := os.ReadFile(filepath.Join("testdata", "tiny.json"))
	if err != nil {
		t.Fatal(err)
	}
	scalar, err := Parse(tiny)
	if err != nil {
		t.Fatal(err)
	}
	vector, err := Parse([]byte(strings.Replace(string(tiny), `"base_score":"5E-1"`, `"base_score":"[5E-1]"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if scalar.base != vector.base || scalar.base != 0.5 {
		t.Fatalf("base margins %v and %v, want 0.5", scalar.base, vector.base)
	}
}

// manyTrees sets num_trees of a binary model of tiny's shape to 2^31-1:
// "binf", the 136-byte learner parameters, two strings, then num_trees.
func manyTrees(legacy []byte) []byte {
	off := 4 + learnerParamSize + 8 + len("multi:softprob") + 8 + len("gbtree")
	b := append([]byte(nil), legacy...)
	copy(b[off:], []byte{0xff, 0xff, 0xff, 0x7f})
	return b
}
