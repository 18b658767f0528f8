package diag

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestError_Error(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "mlcd.yaml", Line: 14, Col: 5, Msg: "m"}, "mlcd.yaml:14:5: m"},
		{Error{File: "mlcd.yaml", Line: 14, Msg: "m"}, "mlcd.yaml:14: m"},
		{Error{File: "mlcd.yaml", Col: 5, Msg: "m"}, "mlcd.yaml: m"},
		{Error{File: "models/a/v1.yaml", Msg: "m"}, "models/a/v1.yaml: m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestSort(t *testing.T) {
	a1 := &Error{File: "a", Line: 1, Col: 9, Msg: "first found"}
	a1b := &Error{File: "a", Line: 1, Col: 9, Msg: "second found"}
	a2 := &Error{File: "a", Line: 2, Col: 1}
	a0 := &Error{File: "a"}
	b1 := &Error{File: "b", Line: 1}
	errs := []*Error{b1, a2, a1, a0, a1b}
	Sort(errs)
	if diff := cmp.Diff([]*Error{a0, a1, a1b, a2, b1}, errs); diff != "" {
		t.Errorf("Sort (-want +got):\n%s", diff)
	}
}

func TestJoin(t *testing.T) {
	if err := Join(nil); err != nil {
		t.Errorf("Join(nil) = %v, want nil", err)
	}
	a := &Error{File: "f", Line: 1, Msg: "a"}
	b := &Error{File: "f", Line: 2, Msg: "b"}
	err := Join([]*Error{a, b})
	if got, want := err.Error(), "f:1: a\nf:2: b"; got != want {
		t.Errorf("Join: %q, want %q", got, want)
	}
	if diff := cmp.Diff([]*Error{a, b}, Problems(err)); diff != "" {
		t.Errorf("Problems(Join) (-want +got):\n%s", diff)
	}
}

func TestProblems(t *testing.T) {
	a := &Error{File: "f", Line: 1, Msg: "a"}
	b := &Error{File: "f", Line: 2, Msg: "b"}
	tests := []struct {
		name string
		err  error
		want []*Error
	}{
		{"nil", nil, nil},
		{"one", a, []*Error{a}},
		{"joined", errors.Join(a, b), []*Error{a, b}},
		{"wrapped", fmt.Errorf("load: %w", errors.Join(a, b)), []*Error{a, b}},
		{"wrapped one", fmt.Errorf("load: %w", a), []*Error{a}},
		{"not a problem", errors.New("disk on fire"), nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Problems(tt.err)); diff != "" {
			t.Errorf("%s: Problems (-want +got):\n%s", tt.name, diff)
		}
	}
}
