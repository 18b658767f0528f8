package scoring

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	named := NewSchema([]string{"f0", "f1"})
	nan := math.NaN()
	tests := []struct {
		name       string
		ct         string
		body       string
		schema     Schema
		want       []float64
		wantRows   int
		wantParams Params
		wantErr    string // substring; the status is then 400 unless wantStatus
		wantStatus int
	}{
		{name: "split", body: `{"dataframe_split":{"columns":["f1","f0"],"data":[[2,1]]}}`, schema: named,
			want: []float64{1, 2}, wantRows: 1},
		{name: "split without columns is positional", body: `{"dataframe_split":{"data":[[1,2],[3,null]]}}`, schema: named,
			want: []float64{1, 2, 3, nan}, wantRows: 2},
		{name: "split repeated column", body: `{"dataframe_split":{"columns":["f0","f0","f1"],"data":[[1,9,2]]}}`,
			schema: named, wantErr: "Duplicate column name 'f0'"},
		{name: "escaped column name", body: `{"dataframe_split":{"columns":["f\u0030","f1"],"data":[[1,2]]}}`, schema: named,
			want: []float64{1, 2}, wantRows: 1},
		{name: "params", body: `{"instances":[[1,2]],"params":{"temperature":0.5}}`, schema: named,
			want: []float64{1, 2}, wantRows: 1, wantParams: Params{"temperature": 0.5}},
		{name: "infinity", body: `{"instances":[[1,-Infinity]]}`, schema: named, wantErr: "infinity in column f1"},
		{name: "huge number reads as infinity", body: `{"instances":[[1e400,1]]}`, schema: named, wantErr: "infinity in column f0"},
		{name: "tiny number reads as zero", body: `{"instances":[["1e-400",1]]}`, schema: named,
			want: []float64{0, 1}, wantRows: 1},
		{name: "strings as Python's float reads them", body: `{"instances":[["+.5"," -1_000.0\n"]]}`, schema: named,
			want: []float64{0.5, -1000}, wantRows: 1},
		{name: "empty split with columns", body: `{"dataframe_split":{"columns":["f0","f1"],"data":[]}}`, schema: named,
			want: nil, wantRows: 0},
		{name: "positional schema", body: `{"dataframe_split":{"columns":["x","y"],"data":[[5,6]]}}`,
			schema: PositionalSchema(2), want: []float64{5, 6}, wantRows: 1},
		{name: "single feature scalars", body: `{"instances":[1,2,3]}`, schema: NewSchema([]string{"f0"}),
			want: []float64{1, 2, 3}, wantRows: 3},
		{name: "csv quoted and NA", ct: "text/csv", body: "\"f0\",f1\n\"1.5\",NA\n", schema: named,
			want: []float64{1.5, nan}, wantRows: 1},

		{name: "leading zero", body: `{"instances":[[01,2]]}`, schema: named, wantErr: "valid JSON"},
		{name: "trailing comma", body: `{"instances":[[1,2],]}`, schema: named, wantErr: "valid JSON"},
		{name: "bool cell", body: `{"instances":[[true,false]]}`, schema: named, want: []float64{1, 0}, wantRows: 1},
		{name: "empty string", body: `{"instances":[["",2]]}`, schema: named, wantErr: "convert string ''"},
		{name: "underscore not between digits", body: `{"instances":[["1__0",2]]}`, schema: named, wantErr: "convert string '1__0'"},
		{name: "Go-only hex float", body: `{"instances":[["0x1p-2",2]]}`, schema: named, wantErr: "convert string '0x1p-2'"},
		{name: "two signs", body: `{"instances":[["+-1",2]]}`, schema: named, wantErr: "convert string '+-1'"},
		{name: "nested cell", body: `{"instances":[[[1],2]]}`, schema: named, wantErr: "convert a list"},
		{name: "records not objects", body: `{"dataframe_records":[[1,2]]}`, schema: named, wantErr: "must be an object"},
		{name: "records missing a column everywhere", body: `{"dataframe_records":[{"f0":1}]}`, schema: named,
			wantErr: "Model is missing inputs ['f1']."},
		{name: "split unknown key", body: `{"dataframe_split":{"columns":["f0","f1"],"rows":[[1,2]],"data":[[1,2]]}}`,
			schema: named, wantErr: `unexpected key "rows"`},
		{name: "split without data", body: `{"dataframe_split":{"columns":["f0","f1"]}}`, schema: named, wantErr: "needs 'data'"},
		{name: "inputs columns of different length", body: `{"inputs":{"f0":[1,2],"f1":[1]}}`, schema: named,
			wantErr: "differ in length"},
		{name: "mixed instances", body: `{"instances":[[1,2],{"f0":1,"f1":2}]}`, schema: named, wantErr: "must be a list"},
		{name: "deep nesting", body: `{"instances":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`,
			schema: named, wantErr: "nesting too deep"},
		{name: "csv header only", ct: "text/csv", body: "f0,f1\n", schema: named, wantErr: "no rows"},
		{name: "csv missing column", ct: "text/csv", body: "f0\n1\n", schema: named, wantErr: "Model is missing inputs ['f1']"},
		{name: "csv hex is not a number", ct: "text/csv", body: "f0,f1\n0x10,1\n", schema: named, wantErr: "column f0"},
		{name: "empty content type", ct: " ", body: `{}`, schema: named, wantErr: "Got ' '", wantStatus: 415},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ct := tc.ct
			if ct == "" {
				ct = "application/json"
			}
			f, params, err := Decode(ct, []byte(tc.body), tc.schema)
			if tc.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v, want an *Error containing %q", err, tc.wantErr)
				}
				if want := max(tc.wantStatus, 400); e.Status != want || !strings.Contains(e.Message, tc.wantErr) {
					t.Fatalf("err = %d %q, want %d containing %q", e.Status, e.Message, want, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if f.Rows != tc.wantRows || f.Width != tc.schema.Width() {
				t.Errorf("frame %dx%d, want %dx%d", f.Rows, f.Width, tc.wantRows, tc.schema.Width())
			}
			if diff := cmp.Diff(tc.want, f.Values, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantParams, params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzDecode checks that no body makes Decode panic, that every error is a
// 4xx *Error, and that a decoded frame is consistent.
func FuzzDecode(f *testing.F) {
	for _, tc := range handlerCases {
		if tc.body != "" {
			f.Add(tc.contentType, tc.body)
		}
	}
	f.Add("text/csv", "a,b,c\n1,2,3\n")
	f.Add("application/json", `{"inputs":{"a":[1,null],"b":[2,3],"c":[NaN,-Infinity]}}`)
	f.Add("application/json", `{"dataframe_records":[{"a":1e3,"b":"\ud83d\ude00","c":0}]}`)
	schema := NewSchema([]string{"a", "b", "c"})
	f.Fuzz(func(t *testing.T, ct, body string) {
		if ct == "" {
			ct = "application/json"
		}
		fr, _, err := Decode(ct, []byte(body), schema)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Message == "" {
				t.Fatalf("error %v is not a 4xx *Error", err)
			}
			return
		}
		if fr.Rows < 0 || fr.Width != 3 || len(fr.Values) != fr.Rows*fr.Width {
			t.Fatalf("inconsistent frame: rows %d width %d values %d", fr.Rows, fr.Width, len(fr.Values))
		}
	})
}

// FuzzParse checks the JSON parser against encoding/json: it accepts what
// json.Valid accepts, plus only Python's NaN/Infinity literals.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `[1,-0.5e+3,"a\"\\\/\b\f\n\r\t\u00e9",true,false,null]`, `01`, `[1,]`,
		`{"a":1,}`, `"\x"`, `-`, `1.`, `1e`, `"\ud800"`, `[NaN,-Infinity]`, " \t\n1 ", `{"a" 1}`, `[1 2]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p jparser
		err := p.parse([]byte(s))
		valid := json.Valid([]byte(s))
		if valid && err != nil && !errors.Is(err, errTooDeep) && !strings.Contains(err.Error(), errTooDeep.Error()) {
			t.Fatalf("parse(%q) = %v, but encoding/json accepts it", s, err)
		}
		if !valid && err == nil && !strings.Contains(s, "NaN") && !strings.Contains(s, "Infinity") {
			t.Fatalf("parse(%q) accepted what encoding/json refuses", s)
		}
		if err == nil {
			checkStrings(t, &p, s)
		}
	})
}

// checkStrings compares every decoded string with encoding/json's.
func checkStrings(t *testing.T, p *jparser, s string) {
	t.Helper()
	for i := range p.nodes {
		n := &p.nodes[i]
		if n.kind != jString {
			continue
		}
		var want string
		if err := json.Unmarshal([]byte(s[n.start-1:n.end+1]), &want); err != nil {
			t.Fatalf("string node %q: %v", s[n.start-1:n.end+1], err)
		}
		// encoding/json replaces invalid UTF-8; we keep the bytes (they only
		// ever match a column name or fail to).
		if got := string(p.text(n)); string([]rune(got)) != want {
			t.Fatalf("string %q decoded to %q, want %q", s[n.start-1:n.end+1], got, want)
		}
	}
}
