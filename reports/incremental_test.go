package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A record read again from another checkout (the controller renders from a
// fresh checkout each time) gives the same page, and its copied logs stay.
func TestBuilder_BuildFromAnotherCheckoutKeepsLogs(t *testing.T) {
	t.Parallel()
	src := filepath.Join("testdata", "small")
	out := t.TempDir()
	store := filepath.Join(src, "store")
	build := func(repo string) Stats {
		t.Helper()
		b, err := New(Options{Out: out, StoreDir: store})
		if err != nil {
			t.Fatal(err)
		}
		st, err := b.Build(context.Background(), repo)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	build(copyTree(t, filepath.Join(src, "repo")))
	logs, _ := filepath.Glob(filepath.Join(out, "logs", "*.txt"))
	if len(logs) == 0 {
		t.Fatal("the fixture's logs were not copied into the site")
	}
	build(copyTree(t, filepath.Join(src, "repo")))
	for _, l := range logs {
		if _, err := os.Stat(l); err != nil {
			t.Errorf("log %s removed by a rebuild from another checkout", filepath.Base(l))
		}
	}
}

// copyTree copies a fixture repository into a new folder: a fresh
// checkout, with new modification times.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// The latest runs' metric values are kept in the manifest: drawing the
// charts page and the last runs page again reads no record a build
// already summarized. Here a record is changed behind the manifest's back
// (same size, same modification time): the pages still show the value
// the manifest kept, so the record was not read again.
func TestBuilder_LatestValuesFromTheManifest(t *testing.T) {
	t.Parallel()
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	out := t.TempDir()
	build := func() {
		t.Helper()
		b, err := New(Options{Out: out})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Build(context.Background(), repo); err != nil {
			t.Fatal(err)
		}
	}
	build()
	rec := filepath.Join(repo, "runs", "churn", "20260301T100000Z-1003.json")
	info, err := os.Stat(rec)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), `"accuracy": 0.81,`, `"accuracy": 0.91,`, 1)
	if changed == string(data) {
		t.Fatal("fixture changed: no train_xgb accuracy 0.81 in run -1003")
	}
	if err := os.WriteFile(rec, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(rec, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"charts.html", "index.html"} {
		if err := os.Remove(filepath.Join(out, "runs", page)); err != nil {
			t.Fatal(err)
		}
	}
	build()
	charts, err := os.ReadFile(filepath.Join(out, "runs", "charts.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(charts), `"churn/20260301T100000Z-1003",1772359200,0,"train_rf\ntrain_xgb",["0.8","0.75","0.81","0.76"]`) {
		t.Error("the charts page does not show run -1003's values as the manifest kept them: its record was read again")
	}
	runs, err := os.ReadFile(filepath.Join(out, "runs", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(runs), "0.91") || !strings.Contains(string(runs), `data-v="0.81"`) {
		t.Error("the runs page does not show run -1003's train_xgb.accuracy as the manifest kept it: its record was read again")
	}
}
