package registry

import (
	"bytes"
	"os"
	"testing"
)

// The example in docs/registry.md is a valid file in the form mlcd writes.
func TestDocsExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/registry.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(doc, []byte("## A version file\n\n```yaml\n"))
	if !ok {
		t.Fatal("docs/registry.md: no yaml example under \"A version file\"")
	}
	example, _, _ := bytes.Cut(rest, []byte("```\n"))
	v, err := Parse("models/churn-xgb/v7.yaml", example)
	if err != nil {
		t.Fatalf("docs example: %v", err)
	}
	if got := Marshal(v); !bytes.Equal(got, example) {
		t.Errorf("docs example is not in canonical form; mlcd writes:\n%s", got)
	}
}
