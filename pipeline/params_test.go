package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseParam(t *testing.T) {
	tests := []struct {
		kv    string
		key   string
		value any
	}{
		{"n_estimators=200", "n_estimators", int64(200)},
		{"lr=0.1", "lr", 0.1},
		{"flag=true", "flag", true},
		{"flag=false", "flag", false},
		{"name=churn", "name", "churn"},
		{"name=", "name", ""},
		{"name='200'", "name", "200"},
		{`name="a b"`, "name", "a b"},
		{"expr=a=b", "expr", "a=b"},
		{"m=a: b", "m", "a: b"},
		{"l=[1, 2]", "l", "[1, 2]"},
		{"x=.inf", "x", ".inf"},
		{"x=null", "x", "null"},
		{"x=-3", "x", int64(-3)},
		{"x=1.5e3", "x", 1500.0},
		{"x=1e3", "x", "1e3"}, // YAML 1.2 reads this as a string, as in mlcd.yaml
		{"x=99999999999999999999", "x", "99999999999999999999"},
		{"x=#c", "x", "#c"},
	}
	for _, tt := range tests {
		key, value, err := ParseParam(tt.kv)
		if err != nil {
			t.Errorf("ParseParam(%q): %v", tt.kv, err)
			continue
		}
		if key != tt.key || !cmp.Equal(value, tt.value) {
			t.Errorf("ParseParam(%q) = %q, %#v; want %q, %#v", tt.kv, key, value, tt.key, tt.value)
		}
	}
	for _, bad := range []string{"novalue", "=1", "bad-name=1", "1x=2"} {
		if _, _, err := ParseParam(bad); err == nil {
			t.Errorf("ParseParam(%q): no error", bad)
		}
	}
}

func TestParams_Merge(t *testing.T) {
	base := Params{"a": int64(1), "b": "x"}
	got := base.Merge(Params{"b": "y", "c": 3, "d": float32(0.5)})
	want := Params{"a": int64(1), "b": "y", "c": int64(3), "d": 0.5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merge (-want +got):\n%s", diff)
	}
	if base["b"] != "x" {
		t.Error("Merge changed its receiver")
	}
	if got := Params(nil).Merge(nil); got == nil || len(got) != 0 {
		t.Errorf("nil.Merge(nil) = %#v, want an empty map", got)
	}
}
