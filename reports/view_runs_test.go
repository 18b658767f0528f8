package reports

import (
	"bytes"
	"html/template"
	"os"
	"testing"
)

// The row template the runs pages replaced (testdata/runrows.html) is
// runRowViews.HTML's oracle, with hostile text in every field a record
// controls. Links are slugs; one with bytes a slug never has checks that
// they are percent-encoded as html/template would.
func TestRunRowViews_HTMLMatchesTemplate(t *testing.T) {
	src, err := os.ReadFile("testdata/runrows.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("t").Parse(string(src)))
	hostile := `<script>alert('x')</script> "a"&b+c` + "\x00\xff\u2028"
	forge := forgeLinks{Base: "https://github.com/acme/churn"}
	rows := runRowViews{
		{Href: "churn/20260301T100000Z-1003.html", Sel: hostile, Pipeline: hostile, ID: hostile, Status: hostile, Trigger: hostile,
			Branch: hostile, Commit: hostile, Start: hostile, Dur: hostile, StartUnix: 1772359200, DurS: 12.5,
			Params: []string{hostile, ""}, ParamCols: []column{{ID: hostile}, {ID: "p1"}},
			Metrics: []metricCell{{Col: "m1", V: "0.5", Text: hostile, Promo: true}, {Col: hostile, V: hostile}}},
		{Href: "h-3f2a/a b\"<é>%.html", Sel: "p/r", Pipeline: "p", ID: "r", Status: "success", DurS: 0,
			Branch: hostile, BranchHref: forge.branch(hostile), Commit: "3f2a9c", CommitHref: forge.commit("3f2a9c0d")},
	}
	for name, rs := range map[string]runRowViews{"none": nil, "rows": rows} {
		var want bytes.Buffer
		if err := tpl.ExecuteTemplate(&want, "rows", rs); err != nil {
			t.Fatal(err)
		}
		if got := string(rs.HTML()); got != want.String() {
			t.Errorf("%s: rows differ from the template\n got: %s\nwant: %s", name, got, want.String())
		}
	}
}
