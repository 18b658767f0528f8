package templates

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The report must open offline: no asset may load anything from a network.
func TestFS_NoNetworkReferences(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`)
	allowed := map[string]bool{"http://www.w3.org/2000/svg": true} // the SVG namespace, an identifier
	n := 0
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		data, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		for _, m := range url.FindAllString(string(data), -1) {
			if !allowed[m] {
				t.Errorf("%s refers to %s", p, m)
			}
		}
		if strings.Contains(string(data), "@import") || strings.Contains(string(data), "@font-face") {
			t.Errorf("%s imports a stylesheet or a font", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Errorf("embedded %d files, want the page templates and static assets", n)
	}
}
