package reports

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestBuilder_Markdown(t *testing.T) {
	b, err := New(Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in    string
		want, avoid []string
	}{
		{"gfm table", "| a | b |\n|---|---|\n| 1 | 2 |\n", []string{"<table>", "<td>1</td>"}, nil},
		{"html block shown as text", "<script>alert(1)</script>\n", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}, []string{"<script"}},
		{"inline html shown as text", "hi <img src=x onerror=alert(1)> there", []string{"&lt;img src=x onerror=alert(1)&gt;"}, []string{"<img"}},
		{"javascript link dropped", "[x](javascript:alert(1))", []string{`<a href="">x</a>`}, []string{"javascript:"}},
		{"empty", "  \n", nil, []string{"<p>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.markdown([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("output %q lacks %q", got, w)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(string(got), a) {
					t.Errorf("output %q contains %q", got, a)
				}
			}
		})
	}
}

// markdownTag finds the tags of goldmark's output and their attributes.
var (
	markdownTag  = regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^>]*)>`)
	markdownAttr = regexp.MustCompile(`([a-zA-Z-]+)(?:="([^"]*)")?`)
	allowedTags  = map[string]bool{"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"a": true, "em": true, "strong": true, "del": true, "code": true, "pre": true, "ul": true, "ol": true, "li": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "blockquote": true, "hr": true,
		"br": true, "img": true, "input": true}
	allowedAttrs = map[string]bool{"href": true, "src": true, "alt": true, "title": true, "align": true, "class": true,
		"checked": true, "disabled": true, "type": true, "start": true, "style": false}
)

// FuzzMarkdown holds the renderer to its promise: whatever the input, the
// output has only Markdown's own tags and attributes and no script URL.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"# t", "<script>x</script>", "<b>a</b>", "[a](javascript:b)", "| a |\n|---|\n| <img onerror=x> |",
		"```\n<script>\n```", "![i](x \"t\")", "- [x] done", "<a href=\"javascript:x\">y</a>", "[a]( JAVASCRIPT:x)"} {
		f.Add(s)
	}
	b, err := New(Options{Out: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := b.markdown([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownTag.FindAllStringSubmatch(string(got), -1) {
			if !allowedTags[strings.ToLower(m[2])] {
				t.Fatalf("markdown(%q) has tag %q", s, m[0])
			}
			for _, a := range markdownAttr.FindAllStringSubmatch(m[3], -1) {
				name := strings.ToLower(a[1])
				if !allowedAttrs[name] {
					t.Fatalf("markdown(%q) has attribute %q in %q", s, name, m[0])
				}
				if v := strings.ToLower(strings.TrimSpace(html.UnescapeString(a[2]))); strings.HasPrefix(v, "javascript:") ||
					strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text") {
					t.Fatalf("markdown(%q) has a script URL in %q", s, m[0])
				}
			}
		}
	})
}
