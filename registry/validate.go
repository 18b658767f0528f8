package registry

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// problem is a validation finding about one field of a version file, by its
// key path ("stage", "artifact.sha256", "aliases"); the parsers turn it into
// a *diag.Error at that field's place.
type problem struct {
	field string
	msg   string
}

// fileName is what a version file's name says about it: the model (its
// folder) and the version number (v<N>.yaml).
type fileName struct {
	model   string
	version int
}

// parseFileName reads models/<model>/v<N>.yaml. ok is false for any other
// shape, including leading zeros ("v01.yaml").
func parseFileName(p string) (fileName, bool) {
	rest, ok := strings.CutPrefix(p, Dir+"/")
	if !ok {
		return fileName{}, false
	}
	model, base, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(base, "/") {
		return fileName{}, false
	}
	n, ok := parseVersionFile(base)
	return fileName{model: model, version: n}, ok
}

// parseVersionFile reads "v<N>.yaml" with N >= 1 and no leading zero.
func parseVersionFile(base string) (int, bool) {
	digits, ok := strings.CutPrefix(base, "v")
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, ".yaml")
	if !ok || digits == "" || digits[0] == '0' || len(digits) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

// validate checks the fields of v against each other and against its file
// name. present says which top-level keys the file had, for "missing" checks.
func validate(v *Version, name fileName, present func(key string) bool) []problem {
	var ps []problem
	add := func(field, format string, args ...any) {
		ps = append(ps, problem{field: field, msg: fmt.Sprintf(format, args...)})
	}
	for _, key := range requiredKeys {
		if !present(key) {
			add(key, "missing required key %q", key)
		}
	}
	if present("schema") && v.Schema != Schema {
		add("schema", "schema %d: this mlcd reads schema %d", v.Schema, Schema)
	}
	if present("model") {
		if err := checkModelName(v.Model); err != nil {
			add("model", "%v", err)
		} else if v.Model != name.model {
			add("model", "model %q does not match its folder %s/%s", v.Model, Dir, name.model)
		}
	}
	if present("version") && v.Version != name.version {
		add("version", "version %d does not match the file name v%d.yaml", v.Version, name.version)
	}
	for _, f := range []struct{ key, val string }{{"run", v.RunID}, {"pipeline", v.Pipeline}, {"task", v.Task}, {"flavor", v.Flavor}} {
		if present(f.key) && strings.TrimSpace(f.val) == "" {
			add(f.key, "%s must not be empty", f.key)
		}
	}
	if present("commit") && !isHex(v.Commit, 40) && !isHex(v.Commit, 64) {
		add("commit", "commit %q: want a git commit id (40 or 64 lowercase hex digits)", v.Commit)
	}
	if present("flavor") && v.Flavor == "command" && v.Serve == "" {
		add("flavor", "flavor command needs a serve command")
	}
	ps = append(ps, validateArtifact(v.Artifact, present("artifact"))...)
	ps = append(ps, validateAliases(v.Aliases)...)
	return ps
}

func validateArtifact(a Artifact, present bool) []problem {
	if !present {
		return nil
	}
	var ps []problem
	if a.File == "" {
		ps = append(ps, problem{"artifact.file", "missing required key \"artifact.file\""})
	} else if !fs.ValidPath(a.File) || a.File == "." {
		ps = append(ps, problem{"artifact.file", fmt.Sprintf("artifact file %q: want a slash-separated path inside the task's outputs", a.File)})
	}
	if !isHex(a.SHA256, 64) {
		ps = append(ps, problem{"artifact.sha256", fmt.Sprintf("artifact sha256 %q: want 64 lowercase hex digits", a.SHA256)})
	}
	if a.Size < 0 {
		ps = append(ps, problem{"artifact.size", fmt.Sprintf("artifact size %d: must not be negative", a.Size)})
	}
	return ps
}

func validateAliases(aliases []string) []problem {
	var ps []problem
	seen := make(map[string]bool, len(aliases))
	for i, a := range aliases {
		field := "aliases." + strconv.Itoa(i)
		if err := checkAlias(a); err != nil {
			ps = append(ps, problem{field, err.Error()})
			continue
		}
		if seen[a] {
			ps = append(ps, problem{field, fmt.Sprintf("alias %q is listed twice", a)})
		}
		seen[a] = true
	}
	return ps
}

// checkModelName accepts names that are safe as one folder name on every
// system: a letter or digit, then letters, digits, '.', '_' and '-'.
func checkModelName(s string) error {
	if !wordOf(s, 100, ".") {
		return fmt.Errorf("model name %q: want a letter or digit, then letters, digits, '.', '_' or '-' (at most 100)", s)
	}
	return nil
}

// checkAlias accepts a letter, then letters, digits, '_' and '-'. "latest"
// and "v<N>" are refused: they already name versions.
func checkAlias(s string) error {
	if !wordOf(s, 64, "") || !isLetter(s[0]) {
		return fmt.Errorf("alias %q: want a letter, then letters, digits, '_' or '-' (at most 64)", s)
	}
	if strings.EqualFold(s, "latest") {
		return fmt.Errorf("alias %q is reserved: it always means the newest version", s)
	}
	if (s[0] == 'v' || s[0] == 'V') && len(s) > 1 && isDigits(s[1:]) {
		return fmt.Errorf("alias %q is reserved: it looks like a version number", s)
	}
	return nil
}

// wordOf reports whether s is 1..max characters of letters, digits, '_',
// '-' and the extra characters, starting with a letter or digit.
func wordOf(s string, max int, extra string) bool {
	if s == "" || len(s) > max || !isLetter(s[0]) && !isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' && !strings.ContainsRune(extra, rune(c)) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !(c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
