package registry

import (
	"reflect"
	"strings"
	"testing"
)

// TestFields_CoverVersion checks that the tables in fields.go name every
// field of Version and Artifact exactly once: a field added to the struct
// without its row would be neither written nor read.
func TestFields_CoverVersion(t *testing.T) {
	checkCover(t, versionFields)
	checkCover(t, artifactFields)
}

func checkCover[T any](t *testing.T, fields []fieldOf[T]) {
	t.Helper()
	var x T
	xv := reflect.ValueOf(&x).Elem()
	typ := xv.Type()
	byAddr := map[uintptr]int{} // a field's address: its index
	for i := range typ.NumField() {
		byAddr[xv.Field(i).Addr().Pointer()] = i
	}
	seen := map[int]string{}
	for _, f := range fields {
		p := reflect.ValueOf(f.at(&x))
		i, ok := byAddr[p.Pointer()]
		if p.Kind() != reflect.Pointer || !ok || typ.Field(i).Type != p.Elem().Type() {
			t.Errorf("%s: at returns %T, not a pointer to a field of %s", f.key, f.at(&x), typ.Name())
			continue
		}
		if other, dup := seen[i]; dup {
			t.Errorf("%s.%s is held by keys %q and %q", typ.Name(), typ.Field(i).Name, other, f.key)
		}
		seen[i] = f.key
	}
	for i := range typ.NumField() {
		if _, ok := seen[i]; !ok {
			t.Errorf("%s.%s has no key in the file's table (fields.go)", typ.Name(), typ.Field(i).Name)
		}
	}
}

// TestFields_EveryRowRoundTrips writes a version with every field set and
// reads it back through both readers; each key of the table is a line of
// the file, in the table's order.
func TestFields_EveryRowRoundTrips(t *testing.T) {
	v := sampleVersion("churn-rf", 3)
	v.Aliases, v.Description, v.InputExample = []string{"champion", "blue"}, "two\nlines", "example.json"
	data := string(Marshal(v))
	last := -1
	for _, key := range topKeys {
		i := strings.Index(data, "\n"+key+":")
		if key == topKeys[0] && strings.HasPrefix(data, key+":") {
			i = 0
		}
		if i <= last {
			t.Errorf("key %q is not a line after the previous key in:\n%s", key, data)
		}
		last = i
	}
	fn := fileName{model: "churn-rf", version: 3}
	fast, ok := parseFast(data, fn)
	if !ok {
		t.Fatalf("fast reader refused:\n%s", data)
	}
	diffVersions(t, v, fast)
	slow, errs := parseYAML(v.Path(), data, fn)
	if len(errs) > 0 {
		t.Fatalf("YAML reader: %v", errs)
	}
	diffVersions(t, v, slow)
}

// TestFields_RequiredKeys checks that a file without a required key is
// refused by name, and one without an optional key is not.
func TestFields_RequiredKeys(t *testing.T) {
	v := sampleVersion("churn-rf", 3)
	lines := strings.SplitAfter(string(Marshal(v)), "\n")
	for _, f := range versionFields {
		var kept []string
		skip := false
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, f.key+":"):
				skip = true
				continue
			case skip && strings.HasPrefix(l, "  "):
				continue
			}
			skip = false
			kept = append(kept, l)
		}
		_, err := Parse(v.Path(), []byte(strings.Join(kept, "")))
		missing := err != nil && strings.Contains(err.Error(), `missing required key "`+f.key+`"`)
		if missing != f.required {
			t.Errorf("without %q: %v (required: %v)", f.key, err, f.required)
		}
	}
}

// TestFields_EveryRowIsWritten checks that the writer has a case for the
// type of every row, and the fast reader reads back what it wrote.
func TestFields_EveryRowIsWritten(t *testing.T) {
	checkWritten(t, versionFields)
	checkWritten(t, artifactFields)
}

func checkWritten[T any](t *testing.T, fields []fieldOf[T]) {
	t.Helper()
	for _, f := range fields {
		var x, y T
		if st, ok := f.at(&x).(*Stage); ok {
			*st = StageNone // the zero Stage is no stage
		}
		line := string(appendField(nil, "", f.key, false, f.quoted, f.at(&x)))
		if !strings.HasPrefix(line, f.key+":") || !strings.HasSuffix(line, "\n") {
			t.Errorf("%s: written as %q", f.key, line)
			continue
		}
		r := fastReader{s: line}
		if there, ok := r.field(f.key, false, f.at(&y)); !there || !ok || r.off != len(line) {
			t.Errorf("%s: the fast reader does not read back %q", f.key, line)
		}
	}
}
