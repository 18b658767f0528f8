package registry

import (
	"bytes"
	"fmt"
	"testing"
	"testing/fstest"
)

// storeSet is an artifact store that holds the digests in it.
type storeSet map[string]bool

func (s storeSet) Has(sha string) bool { return s[sha] }

var _ Store = storeSet(nil)

func TestCheck(t *testing.T) {
	t.Parallel()
	base := treeOf(
		withStage(sampleVersion("churn-rf", 1), StageProduction),
		sampleVersion("churn-rf", 2),
		sampleVersion("churn-rf", 3),
		sampleVersion("churn-xgb", 1),
	)
	all := storeSet{}
	for n := range 10 {
		all[sha(n)] = true
	}
	set := func(p, prefix, line string) fstest.MapFS {
		head := commit(base, nil)
		head[p] = &fstest.MapFile{Data: []byte(replaceLine(string(base[p].Data), prefix, line))}
		return head
	}
	cases := []struct {
		name  string
		head  fstest.MapFS
		store Store
	}{
		{"promotion: stage change accepted", set("models/churn-rf/v2.yaml", "stage:", "stage: Production\n"), all},
		{"promotion written in lower case accepted", set("models/churn-rf/v2.yaml", "stage:", "stage: production\n"), all},
		{"aliases and description may change", func() fstest.MapFS {
			h := set("models/churn-rf/v2.yaml", "aliases:", "aliases: [challenger]\n")
			p := "models/churn-rf/v2.yaml"
			h[p] = &fstest.MapFile{Data: []byte(replaceLine(string(h[p].Data), "description:", "description: better on recent data # why\n"))}
			return h
		}(), all},
		{"direct edit of a digest rejected", set("models/churn-rf/v2.yaml", "  sha256:", fmt.Sprintf("  sha256: %q\n", sha(9))), all},
		{"metric edit rejected", set("models/churn-rf/v2.yaml", "  f1:", "  f1: 0.99\n"), all},
		{"run id edit rejected", set("models/churn-rf/v2.yaml", "run:", "run: other\n"), all},
		{"unknown stage rejected", set("models/churn-rf/v2.yaml", "stage:", "stage: prod\n"), all},
		{"two new Production versions rejected", func() fstest.MapFS {
			h := set("models/churn-rf/v2.yaml", "stage:", "stage: Production\n")
			h["models/churn-rf/v3.yaml"] = &fstest.MapFile{Data: []byte(replaceLine(string(base["models/churn-rf/v3.yaml"].Data), "stage:", "stage: Production\n"))}
			return h
		}(), all},
		{"artifact missing from the store rejected", set("models/churn-rf/v2.yaml", "stage:", "stage: Staging\n"), storeSet{}},
		{"archiving needs no artifact", set("models/churn-rf/v1.yaml", "stage:", "stage: Archived\n"), storeSet{}},
		{"version file added by hand rejected", commit(base, map[string][]byte{"models/churn-rf/v4.yaml": Marshal(sampleVersion("churn-rf", 4))}), all},
		{"version file deleted rejected", func() fstest.MapFS {
			h := commit(base, nil)
			delete(h, "models/churn-xgb/v1.yaml")
			return h
		}(), all},
	}
	var out bytes.Buffer
	for _, c := range cases {
		fmt.Fprintf(&out, "== %s\n", c.name)
		problems := Check(base, c.head, c.store)
		if len(problems) == 0 {
			fmt.Fprintln(&out, "ok")
		}
		for _, p := range problems {
			fmt.Fprintln(&out, p)
		}
	}
	golden(t, "check.golden", out.Bytes())
}

func replaceLine(data, prefix, with string) string {
	var out []byte
	for _, l := range bytes.SplitAfter([]byte(data), []byte("\n")) {
		if bytes.HasPrefix(l, []byte(prefix)) {
			l = []byte(with)
		}
		out = append(out, l...)
	}
	return string(out)
}
