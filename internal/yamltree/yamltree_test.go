package yamltree

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit"
)

var testLimits = inputlimit.Limits{MaxBytes: 1 << 10, MaxDepth: 4}

func mustParse(t *testing.T, src string) ast.Node {
	t.Helper()
	f, err := Parse("f.yaml", []byte(src), testLimits, parser.AllowDuplicateMapKey())
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return f.Docs[0].Body
}

func TestParse_ProblemsArePlaced(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // the *diag.Error's text
	}{
		{"syntax", "a: b\nc: [d\n", "f.yaml:2:4: yaml: sequence end token ']' not found"},
		{"too deep", "a:\n  b:\n    c:\n      d:\n        e: 1\n", "f.yaml:5:9: values nest more than 4 levels deep"},
		{"too large", strings.Repeat("a: b\n", 300), "f.yaml: file of 1.5 KiB is larger than the 1 KiB mlcd reads"},
	} {
		_, err := Parse("f.yaml", []byte(tc.src), testLimits)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if err.File != "f.yaml" || err.Error() != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, err.Error(), tc.want)
		}
	}
	if _, err := Parse("f.yaml", []byte("a: 1\n"), testLimits); err != nil {
		t.Errorf("valid file: %v", err)
	}
}

func TestPosAndStart(t *testing.T) {
	body := mustParse(t, "top:\n  first: 1\n  list: [x, y]\n")
	m := body.(*ast.MappingNode)
	inner := m.Values[0].Value.(*ast.MappingNode)
	for _, tc := range []struct {
		name      string
		got       func() (int, int)
		line, col int
	}{
		{"Start of the document's mapping is its first key", func() (int, int) { return Start(m) }, 1, 1},
		{"Start of a block mapping is its first key", func() (int, int) { return Start(inner) }, 2, 3},
		{"Start of an entry is its key", func() (int, int) { return Start(inner.Values[1]) }, 3, 3},
		{"Pos of a scalar", func() (int, int) { return Pos(inner.Values[0].Value) }, 2, 10},
		{"Pos of a flow list is its bracket", func() (int, int) { return Pos(inner.Values[1].Value) }, 3, 9},
		{"Pos of nil", func() (int, int) { return Pos(nil) }, 0, 0},
		{"Start of nil", func() (int, int) { return Start(nil) }, 0, 0},
	} {
		if line, col := tc.got(); line != tc.line || col != tc.col {
			t.Errorf("%s: %d:%d, want %d:%d", tc.name, line, col, tc.line, tc.col)
		}
	}
	e := ErrorAt("f.yaml", inner.Values[0].Value, "bad %s", "value")
	if want := (&diag.Error{File: "f.yaml", Line: 2, Col: 10, Msg: "bad value"}); *e != *want {
		t.Errorf("ErrorAt: %v, want %v", e, want)
	}
}

func TestKinds_Of(t *testing.T) {
	body := mustParse(t, "s: x\ni: 1\nf: 1.5\nb: true\nn: null\nm: {a: 1}\nl: [1]\nt: !!str 3\n")
	vals := map[string]ast.Node{}
	for _, mv := range body.(*ast.MappingNode).Values {
		vals[mv.Key.GetToken().Value] = mv.Value
	}
	for _, tc := range []struct {
		key             string
		plain, articled string
	}{
		{"s", "string", "a string"},
		{"i", "integer", "an integer"},
		{"f", "number", "a float"},
		{"b", "boolean", "a boolean"},
		{"n", "nothing", "null"},
		{"m", "mapping", "a mapping"},
		{"l", "list", "a list"},
		{"t", "Tag", "tag"},
	} {
		n := vals[tc.key]
		if got := Plain.Of(n); got != tc.plain {
			t.Errorf("Plain.Of(%s) = %q, want %q", tc.key, got, tc.plain)
		}
		if got := Articled.Of(n); got != tc.articled {
			t.Errorf("Articled.Of(%s) = %q, want %q", tc.key, got, tc.articled)
		}
	}
	if Plain.Of(nil) != "nothing" || Articled.Of(nil) != "nothing" {
		t.Errorf("no node: %q, %q", Plain.Of(nil), Articled.Of(nil))
	}
}

func TestInt32AndInt64(t *testing.T) {
	body := mustParse(t, "a: 2147483647\nb: 2147483648\nc: -2147483648\nd: -2147483649\ne: 9223372036854775807\nf: 9223372036854775808\n")
	for i, tc := range []struct {
		i32   int
		ok32  bool
		i64   int64
		ok64  bool
		where string
	}{
		{2147483647, true, 2147483647, true, "max int32"},
		{0, false, 2147483648, true, "past int32"},
		{-2147483648, true, -2147483648, true, "min int32"},
		{0, false, -2147483649, true, "before int32"},
		{0, false, 9223372036854775807, true, "max int64"},
		{0, false, 0, false, "past int64"},
	} {
		x := body.(*ast.MappingNode).Values[i].Value.(*ast.IntegerNode)
		i32, ok32 := Int32(x)
		i64, ok64 := Int64(x)
		if i32 != tc.i32 || ok32 != tc.ok32 || i64 != tc.i64 || ok64 != tc.ok64 {
			t.Errorf("%s: Int32 %d %v, Int64 %d %v; want %d %v, %d %v", tc.where, i32, ok32, i64, ok64, tc.i32, tc.ok32, tc.i64, tc.ok64)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"stage", "aliases", "artifact", "created"}
	for _, tc := range []struct {
		word string
		max  int
		want string
	}{
		{"stgae", 1, ` (did you mean "stage"?)`}, // a swap is one edit
		{"Stage", 0, ` (did you mean "stage"?)`}, // case does not count
		{"alias", 2, ` (did you mean "aliases"?)`},
		{"alias", 1, ""},
		{"zzzzzz", 3, ""},
		{"", 0, ""},
	} {
		if got := Suggest(tc.word, known, tc.max); got != tc.want {
			t.Errorf("Suggest(%q, %d) = %q, want %q", tc.word, tc.max, got, tc.want)
		}
	}
	if got := Suggest("x", nil, 3); got != "" {
		t.Errorf("no known words: %q", got)
	}
	if got := EditDistance("kitten", "sitting"); got != 3 {
		t.Errorf("EditDistance(kitten, sitting) = %d, want 3", got)
	}
}

// FuzzParse checks that Parse never panics and that whatever it refuses
// is a problem of the file it was given.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a: 1\n", "a: [\n", "- - - - - -\n", "a: &x 1\nb: *x\n", "\ufeffa: 1", "a: {b: {c: {d: {e: 1}}}}\n", ": :\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("f.yaml", data, testLimits)
		if err != nil && (err.File != "f.yaml" || err.Msg == "" || err.Line < 0 || err.Col < 0) {
			t.Fatalf("problem without its file or message: %#v", err)
		}
	})
}
