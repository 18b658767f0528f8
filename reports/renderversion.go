package reports

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// The pages are written by the templates and, as much, by Go code of this
// package (the runs table's rows, the charts, the run page's histories).
// A page is written again only when its inputs change, so a new mlcd that
// writes other markup must rewrite every page: the manifest's version is
// a hash of what renders them, not a number a person remembers to bump.
// The package's own sources are embedded for that (the templates are
// hashed into Builder.tool), with the versions of the modules the binary
// links (goldmark renders the Markdown).

// sources are this package's Go files; sourceHash leaves out the tests.
//
//go:embed *.go
var sources embed.FS

// manifestVersion identifies the code that renders pages; a manifest of
// another version is ignored and every page written again. It is worked
// out on first use: hashing the sources at init cost every mlcd process
// (each task of a run on an engine starts one) 1-3 ms and 290 KB.
var manifestVersion = sync.OnceValue(renderVersion)

func renderVersion() string {
	h, err := sourceHash(sources)
	if err != nil {
		// The embedded files are part of the binary: reading them fails
		// only if the binary is broken, and then no manifest is trusted.
		return "unreadable sources: " + err.Error()
	}
	return h + "+" + depsHash()
}

// sourceHash hashes the names and contents of the non-test .go files at
// the top of fsys, in name order.
func sourceHash(fsys fs.FS) (string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", fmt.Errorf("list sources: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", fmt.Errorf("read source: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// depsHash hashes the module versions the binary was built with (a
// goldmark upgrade can change the Markdown's markup); "" when the binary
// carries no build information.
func depsHash() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	h := sha256.New()
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		fmt.Fprintf(h, "%s@%s %s\n", d.Path, d.Version, d.Sum)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}
