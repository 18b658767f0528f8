package reports

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// manyRuns copies the small fixture and adds n churn runs made from one
// of its records, each with its own id, start and n_estimators (i).
func manyRuns(t *testing.T, n int) string {
	t.Helper()
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	for i := range n {
		addRun(t, repo, i)
	}
	return repo
}

// addRun writes churn run i of manyRuns; ids sort in the order of i.
func addRun(t *testing.T, repo string, i int) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "small", "repo", "runs", "churn", "20260301T100000Z-1003.json"))
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("20260401T%02d%02d00Z-%04x", i/60, i%60, i)
	data = bytes.ReplaceAll(data, []byte("20260301T100000Z-1003"), []byte(id))
	data = bytes.ReplaceAll(data, []byte(`"start": "2026-03-01T10:00:00Z"`), []byte(fmt.Sprintf(`"start": "2026-04-01T%02d:%02d:00Z"`, i/60, i%60)))
	data = bytes.ReplaceAll(data, []byte(`"n_estimators": 100`), []byte(fmt.Sprintf(`"n_estimators": %d`, 1000+i)))
	if err := os.WriteFile(filepath.Join(repo, "runs", "churn", id+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return id
}

var dataSlug = regexp.MustCompile(`"slug":"([^"]+)"`)

// chunkSlugs reads the data chunks of a pipeline of a site, in order.
func chunkSlugs(t *testing.T, site, pslug string) [][]string {
	t.Helper()
	var out [][]string
	for k := 0; ; k++ {
		data, err := os.ReadFile(filepath.Join(site, "runs", pslug, fmt.Sprintf("data-%d.js", k)))
		if os.IsNotExist(err) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if line == "" {
				continue
			}
			if !strings.HasPrefix(line, "mlcdRun({") || !strings.HasSuffix(line, "});\n") {
				t.Fatalf("data-%d.js: line is not one mlcdRun call: %.80q", k, line)
			}
			slugs = append(slugs, dataSlug.FindStringSubmatch(line)[1])
		}
		out = append(out, slugs)
	}
}

// Runs are grouped 32 to a data chunk in the order of their page names,
// and the index names each chunk's first run. A new run rewrites the last
// chunk alone, reading only its own record; a build from nothing writes
// the same chunks.
func TestBuilder_DataChunks(t *testing.T) {
	t.Parallel()
	repo := manyRuns(t, 70) // with the fixture's 3: 73 churn runs, chunks of 32, 32 and 9
	out := t.TempDir()
	b := builtSite(t, repo, Options{Out: out})
	chunks := chunkSlugs(t, out, "churn")
	var all []string
	for _, c := range chunks {
		all = append(all, c...)
	}
	if len(chunks) != 3 || len(chunks[0]) != 32 || len(chunks[2]) != 9 || len(all) != 73 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 73 {
		t.Fatalf("chunks of %d runs in all, sizes %d: want 73 runs once each, in order, 32 to a chunk", len(all), len(chunks))
	}
	index, err := os.ReadFile(filepath.Join(out, "runs", "churn", "data.js"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("mlcdRunChunks(\"churn\",[%q,%q,%q]);\n", chunks[0][0], chunks[1][0], chunks[2][0])
	if string(index) != want {
		t.Errorf("index = %q, want %q", index, want)
	}

	before := statAll(t, out)
	id := addRun(t, repo, 70)
	stats, err := b.Build(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for rel, fi := range statAll(t, out) {
		if old, ok := before[rel]; (!ok || !os.SameFile(old, fi)) && strings.HasPrefix(rel, "runs/churn/") {
			changed = append(changed, rel)
		}
	}
	if diff := cmp.Diff([]string{"runs/churn/" + id + ".html", "runs/churn/data-2.js"}, sorted(changed)); diff != "" {
		t.Errorf("pipeline files written after one new run (-want +got):\n%s", diff)
	}
	if stats.Parsed != 1 {
		t.Errorf("records read after one new run = %d, want its own alone: the chunk's other lines are kept", stats.Parsed)
	}
	if got := chunkSlugs(t, out, "churn")[2]; len(got) != 10 || got[9] != id {
		t.Errorf("last chunk %v, want 10 runs ending with the new one", got)
	}
	fresh := t.TempDir()
	builtSite(t, repo, Options{Out: fresh})
	for _, rel := range []string{"data.js", "data-0.js", "data-1.js", "data-2.js"} {
		got, err1 := os.ReadFile(filepath.Join(out, "runs", "churn", rel))
		exp, err2 := os.ReadFile(filepath.Join(fresh, "runs", "churn", rel))
		if err1 != nil || err2 != nil || !bytes.Equal(got, exp) {
			t.Errorf("%s after an incremental build differs from a full build's (%v, %v)", rel, err1, err2)
		}
	}

	// A deleted run moves the later runs up a place: the chunks from its
	// own on are written again, and it is in none of them.
	gone := chunks[1][5]
	if err := os.Remove(filepath.Join(repo, "runs", "churn", gone+".json")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	after := chunkSlugs(t, out, "churn")
	if len(after) != 3 || !slices.Equal(after[0], chunks[0]) || slices.Contains(after[1], gone) || len(after[1]) != 32 || len(after[2]) != 9 {
		t.Errorf("after deleting %s: chunks of %d, %d runs; want the first unchanged, the run gone", gone, len(after[1]), len(after[2]))
	}
}

// The compare page loads the index of each pipeline it shows and the
// chunks that hold its runs, no others, and names a run it has no data
// for.
func TestCompare_FromDataChunksInChromium(t *testing.T) {
	repo := manyRuns(t, 70)
	out := t.TempDir()
	builtSite(t, repo, Options{Out: out})
	chunks := chunkSlugs(t, out, "churn")
	ids := []string{"churn/" + chunks[2][3], "forecast/20260301T130000Z-400c", "churn/" + chunks[0][4], "churn/20990101T000000Z-0000"}
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(out, "compare.html"))+"#runs="+strings.Join(ids, ",")),
		chromedp.WaitVisible(css("#compare-out table")))
	heads := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out table")[0].querySelectorAll("tr:first-child th a"), a => a.getAttribute("href"))`)
	want := []string{"runs/" + ids[0] + ".html", "runs/" + ids[1] + ".html", "runs/" + ids[2] + ".html"}
	if diff := cmp.Diff(want, heads); diff != "" {
		t.Errorf("compared runs (-want +got):\n%s", diff)
	}
	// n_estimators tells the runs apart (1000+i for run i of manyRuns,
	// after the fixture's three): the values come from the right lines.
	est := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out tr")).filter(tr => tr.firstChild.textContent === "n_estimators")
		.flatMap(tr => Array.from(tr.querySelectorAll("td")).slice(1).map(td => td.textContent))`)
	if diff := cmp.Diff([]string{"1064", "100", "1001"}, est); diff != "" {
		t.Errorf("n_estimators of the compared runs (-want +got):\n%s", diff)
	}
	scripts := eval[[]string](t, b, `Array.from(document.querySelectorAll("head script[src*='/data']"), s => s.getAttribute("src").replace(/^.*runs\//, ""))`)
	if diff := cmp.Diff([]string{"churn/data.js", "forecast/data.js", "churn/data-2.js", "forecast/data-0.js", "churn/data-0.js"}, scripts); diff != "" {
		t.Errorf("data files loaded (-want +got):\n%s", diff)
	}
	if text := eval[string](t, b, `document.querySelector("#compare-out").textContent`); !strings.Contains(text, "no data for run churn/20990101T000000Z-0000") {
		t.Error("the page does not name the run it has no data for")
	}
}

// A site written by another version of mlcd, with a data file per run, is
// rewritten by this one, and the files this one no longer writes are
// removed; a file of the site the manifest never listed stays.
func TestBuilder_OtherVersionsFilesRemoved(t *testing.T) {
	t.Parallel()
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	out := t.TempDir()
	b := builtSite(t, repo, Options{Out: out})
	stale := "runs/churn/20260301T100000Z-1003.data.js"
	mine := "runs/churn/notes.txt"
	for _, rel := range []string{stale, mine} {
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(rel)), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	err = gob.NewDecoder(f).Decode(&m)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	m.Version, m.Pages[stale] = "an older mlcd", "h"
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, ManifestName), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(stale))); !os.IsNotExist(err) {
		t.Errorf("the other version's %s is still there (%v)", stale, err)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(mine))); err != nil {
		t.Errorf("a file no manifest listed was removed: %v", err)
	}
	if stats.Skipped != 0 || stats.Removed != 1 {
		t.Errorf("kept %d files, removed %d; want every page written again and the stale file removed", stats.Skipped, stats.Removed)
	}
}

// A chunk written before is trusted only when the manifest says which
// runs it holds: a chunk left by another site's manifest, or one whose
// runs changed, is made again from the records.
func TestBuilder_OldChunkNotTrustedBlindly(t *testing.T) {
	t.Parallel()
	repo := manyRuns(t, 40)
	out := t.TempDir()
	b := builtSite(t, repo, Options{Out: out})
	chunks := chunkSlugs(t, out, "churn")
	// A record of the last chunk changes: its line is made again, and
	// so is the new run's; the chunk's other lines are kept.
	changed := filepath.Join(repo, "runs", "churn", chunks[1][2]+".json")
	data, err := os.ReadFile(changed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changed, bytes.Replace(data, []byte(`"n_estimators": `), []byte(`"n_estimators": 7`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	addRun(t, repo, 40)
	stats, err := b.Build(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Parsed != 2 {
		t.Errorf("records read = %d, want the changed and the new one", stats.Parsed)
	}
	chunk, err := os.ReadFile(filepath.Join(out, "runs", "churn", "data-1.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(chunk, []byte(`"n_estimators":"7`)) {
		t.Error("the changed run's line was kept from the chunk before")
	}
	// The same site under a manifest that lists the chunk with another
	// hash: every line is made again.
	removeManifestHashes(t, out, "runs/churn/data-1.js")
	stats, err = b.Build(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(chunkSlugs(t, out, "churn")[1]); stats.Parsed != want {
		t.Errorf("records read = %d, want the %d of the chunk the manifest does not vouch for", stats.Parsed, want)
	}
}

// removeManifestHashes gives the pages rel of the site's manifest a hash
// no build writes.
func removeManifestHashes(t *testing.T, site string, rel ...string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(site, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		t.Fatal(err)
	}
	for _, r := range rel {
		m.Pages[r] = "not a hash"
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, ManifestName), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzChunkLineSel(f *testing.F) {
	f.Add([]byte(`mlcdRun({"pslug":"churn","slug":"20260301T100000Z-1003","id":"x","pipeline":"churn"});` + "\n"))
	f.Add([]byte(`mlcdRun({"pslug":"a","slug":"b\"","id":"x"});`))
	f.Add([]byte(`mlcdRun({"pslug":"","slug":"b","id":"x"});`))
	f.Add([]byte(`mlcdRun({"pslug":"a/b","slug":"c","id":"x"});`))
	f.Fuzz(func(t *testing.T, line []byte) {
		sel, ok := chunkLineSel(line)
		if !ok {
			return
		}
		pslug, rslug, _ := strings.Cut(sel, "/")
		if slug(pslug) != pslug || slug(rslug) != rslug && !strings.HasPrefix(rslug, "x-") {
			t.Errorf("%q: page name %q is not made of slugs", line, sel)
		}
		if !bytes.HasPrefix(line, []byte(`mlcdRun({"pslug":"`+pslug+`","slug":"`+rslug+`","id":`)) {
			t.Errorf("%q: page name %q is not what the line starts with", line, sel)
		}
	})
}
