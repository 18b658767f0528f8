package registry

import (
	"slices"

	"github.com/mlcd-dev/mlcd/internal/yamltree"
)

// The version file is defined once, by the tables below: Marshal writes
// the keys in their order, the fast reader expects them in that order, the
// YAML reader looks each key up here, and "unknown key" suggestions come
// from their keys. Adding a field to Version is one row here (and, for a
// new type of value, one case in each of the three switches on it:
// appendField, fastReader.field and decoder.topLevel), plus its tests.

// fieldOf is one key of a mapping whose values live in a T.
type fieldOf[T any] struct {
	key string
	// at returns a pointer to the field of t that the key holds: *int,
	// *int64, *string, *Stage, *[]string, *Artifact, *map[string]float64,
	// *pipeline.Params or *time.Time. Its type says how it is written and
	// read.
	at func(t *T) any
	// omitEmpty: a string written only when it is not "" (an optional key;
	// validation checks whether it is present).
	omitEmpty bool
	// quoted: a string always written double-quoted (hex digits, which a
	// plain scalar could make a number).
	quoted bool
	// required: a file without the key is refused.
	required bool
}

var versionFields = []fieldOf[Version]{
	{key: "schema", at: func(v *Version) any { return &v.Schema }, required: true},
	{key: "model", at: func(v *Version) any { return &v.Model }, required: true},
	{key: "version", at: func(v *Version) any { return &v.Version }, required: true},
	{key: "stage", at: func(v *Version) any { return &v.Stage }, required: true},
	{key: "aliases", at: func(v *Version) any { return &v.Aliases }},
	{key: "description", at: func(v *Version) any { return &v.Description }},
	{key: "run", at: func(v *Version) any { return &v.RunID }, required: true},
	{key: "pipeline", at: func(v *Version) any { return &v.Pipeline }, required: true},
	{key: "task", at: func(v *Version) any { return &v.Task }, required: true},
	{key: "commit", at: func(v *Version) any { return &v.Commit }, omitEmpty: true, quoted: true},
	{key: "artifact", at: func(v *Version) any { return &v.Artifact }, required: true},
	{key: "flavor", at: func(v *Version) any { return &v.Flavor }, required: true},
	{key: "serve", at: func(v *Version) any { return &v.Serve }, omitEmpty: true},
	{key: "input_example", at: func(v *Version) any { return &v.InputExample }, omitEmpty: true},
	{key: "metrics", at: func(v *Version) any { return &v.Metrics }},
	{key: "params", at: func(v *Version) any { return &v.Params }},
	{key: "created", at: func(v *Version) any { return &v.Created }, required: true},
}

var artifactFields = []fieldOf[Artifact]{
	{key: "file", at: func(a *Artifact) any { return &a.File }},
	{key: "sha256", at: func(a *Artifact) any { return &a.SHA256 }, quoted: true},
	{key: "size", at: func(a *Artifact) any { return &a.Size }},
}

// The keys of a version file and of its artifact, in file order, and the
// keys every version file has.
var (
	topKeys      = keysOf(versionFields, func(fieldOf[Version]) bool { return true })
	artifactKeys = keysOf(artifactFields, func(fieldOf[Artifact]) bool { return true })
	requiredKeys = keysOf(versionFields, func(f fieldOf[Version]) bool { return f.required })
)

func keysOf[T any](fields []fieldOf[T], keep func(fieldOf[T]) bool) []string {
	var keys []string
	for _, f := range fields {
		if keep(f) {
			keys = append(keys, f.key)
		}
	}
	return keys
}

// fieldIndex is the row of key in fields, or -1.
func fieldIndex[T any](fields []fieldOf[T], key string) int {
	return slices.IndexFunc(fields, func(f fieldOf[T]) bool { return f.key == key })
}

// didYouMean returns ` (did you mean "x"?)` for the known key closest to
// key, when one is within two edits, and "" otherwise.
func didYouMean(key string, known []string) string { return yamltree.Suggest(key, known, 2) }
