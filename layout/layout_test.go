package layout

import "testing"

func TestIsBotPath(t *testing.T) {
	for _, c := range []struct {
		path string
		want bool
	}{
		{"runs/train/2026-11/x.json", true},
		{"models/churn/v1.yaml", true},
		{"deployments/churn.yaml", true},
		{"deployments", true},
		{"src/models/net.py", false},
		{"mlcd.yaml", false},
		{"runsx/a", false},
		{".mlcd/state", false},
	} {
		if got := IsBotPath(c.path); got != c.want {
			t.Errorf("IsBotPath(%q) = %v, want %v", c.path, got, c.want)
		}
	}
}
