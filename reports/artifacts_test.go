package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Images and small text are copied into the site by digest and shown;
// larger text is linked; other files are listed.
func TestBuilder_ShowsArtifacts(t *testing.T) {
	site, _ := buildSite(t, "small")
	data, err := os.ReadFile(filepath.Join(site, "runs", "churn", "20260301T120000Z-3009.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{
		`<img class="artifact" src="../../artifacts/`,
		`alt="feature_importance.png"`,
		`<pre class="artifact">feature,importance` + "\ntenure,0.41\n&lt;script&gt;alert(1)&lt;/script&gt;,0.2\n</pre>",
		`.csv">predictions.csv</a>`,
		`<td>model.pkl</td>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(s, "file://") {
		t.Error("the run page links into the local store, which a published site cannot reach")
	}
	if strings.Contains(s, `.svg">`) {
		t.Error("an SVG artifact is linked: opened as a page, it would run its scripts")
	}
	entries, err := os.ReadDir(filepath.Join(site, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// png, svg, two csv files; not the model.
	if len(names) != 4 {
		t.Errorf("artifacts copied: %v, want the 4 viewable ones", names)
	}
}

func TestShownArtifacts_Budget(t *testing.T) {
	d := func(c byte) string { return strings.Repeat(string(c), 64) }
	run := &pipeline.Run{Tasks: []*pipeline.TaskRecord{{Name: "t", Outputs: []pipeline.Output{
		{Path: "a.png", SHA256: d('a'), Size: maxCopyBytes},
		{Path: "huge.png", SHA256: d('b'), Size: maxCopyBytes + 1},
		{Path: "model.pkl", SHA256: d('c'), Size: 10},
		{Path: "b.PNG", SHA256: d('d'), Size: maxCopyBytes},
		{Path: "c.csv", SHA256: d('e'), Size: maxCopyBytes},
		{Path: "d.json", SHA256: d('f'), Size: maxCopyBytes},
		{Path: "e.txt", SHA256: d('0'), Size: 1}, // over the run's budget by then
		{Path: "f.txt", SHA256: "not-a-digest", Size: 1},
	}}}}
	var got []string
	for _, a := range shownArtifacts(run) {
		got = append(got, a.out.Path+"="+a.rel[len("artifacts/")+64:])
	}
	if strings.Join(got, " ") != "a.png=.png b.PNG=.png c.csv=.csv d.json=.json" {
		t.Errorf("shown %v", got)
	}
	if n := artifactNote(pipeline.Output{Path: "huge.png", Size: maxCopyBytes + 1}); !strings.Contains(n, "over 2 MiB") {
		t.Errorf("note for a big image: %q", n)
	}
}

func TestArtifacts_InChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "churn", "20260301T120000Z-3009.html"))), chromedp.WaitReady(css("img.artifact")))
	eval[bool](t, b, `(document.querySelectorAll("img.artifact").forEach(i => i.scrollIntoView()), true)`)
	b.Do(t, chromedp.Poll[chromedp.Void](`Array.from(document.querySelectorAll("img.artifact")).every(i => i.complete)`))
	widths := eval[[]int](t, b, `Array.from(document.querySelectorAll("img.artifact"), i => i.naturalWidth)`)
	if len(widths) != 2 || widths[0] != 24 || widths[1] != 20 {
		t.Errorf("image widths %v, want the PNG's 24 and the SVG's 20", widths)
	}
	b.Check(t, "artifacts") // the SVG's script must not have run: no dialog
}
