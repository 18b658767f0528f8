package executor

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestRun_OutputNameNotUTF8FailsTheTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := pipe("p", sh("t", `echo x > "$MLCD_OUT/$(printf 'bad\377byte')" && echo ok > "$MLCD_OUT/good"`))
	r := e.run(p)
	rec := r.Task("t")
	want := `output "bad\xffbyte": file name is not valid UTF-8 (byte 0xff at offset 3)`
	if rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, want) {
		t.Fatalf("status %s, error %q, want it to contain %q", rec.Status, rec.Error, want)
	}
	for _, o := range rec.Outputs {
		if strings.ContainsRune(o.Path, '\ufffd') {
			t.Errorf("output recorded under a replaced name: %q", o.Path)
		}
	}
	// A failed task is not cached: the next run runs it again and fails the same way.
	r = e.run(p)
	if rec := r.Task("t"); rec.CacheHit || rec.Status != pipeline.StatusFailed {
		t.Errorf("second run: status %s, cache hit %v", rec.Status, rec.CacheHit)
	}
}

// mlcdSecrets sets every one of mlcd's own secrets in the environment.
func mlcdSecrets(t *testing.T) map[string]string {
	vals := map[string]string{}
	for _, name := range pipeline.SecretEnv() {
		v := "s3cr3t-" + strings.ToLower(name) + "-value"
		t.Setenv(name, v)
		vals[name] = v
	}
	return vals
}

func TestRun_TasksDoNotReceiveMlcdSecrets(t *testing.T) {
	secrets := mlcdSecrets(t)
	t.Setenv("HARMLESS", "kept")
	e := newEnv(t)
	plain := sh("plain", `env > "$MLCD_OUT/env.txt"`)
	publish := sh("publish", `env > "$MLCD_OUT/env.txt"`)
	publish.Secrets = []string{"GITHUB_TOKEN"}
	r := e.run(pipe("p", plain, publish))
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s: %v\n%s", r.Status, statuses(r), e.out.String())
	}
	envOf := func(task string) string {
		t.Helper()
		o := r.Task(task).Output("env.txt")
		if o == nil {
			t.Fatalf("%s wrote no env.txt", task)
		}
		rc, err := e.store.Open(context.Background(), o.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	got := envOf("plain")
	if !strings.Contains(got, "HARMLESS=kept\n") {
		t.Errorf("plain lost the rest of the environment:\n%s", got)
	}
	for name, v := range secrets {
		if strings.Contains(got, name+"=") || strings.Contains(got, v) {
			t.Errorf("plain received %s", name)
		}
	}
	got = envOf("publish")
	if !strings.Contains(got, "GITHUB_TOKEN="+secrets["GITHUB_TOKEN"]+"\n") {
		t.Errorf("publish lists GITHUB_TOKEN in secrets: but did not receive it")
	}
	for name := range secrets {
		if name != "GITHUB_TOKEN" && strings.Contains(got, name+"=") {
			t.Errorf("publish received %s, which it does not list", name)
		}
	}
}

func TestRun_SecretValuesMaskedInTaskLogs(t *testing.T) {
	secrets := mlcdSecrets(t)
	e := newEnv(t)
	task := sh("leak", `echo "token: $GITHUB_TOKEN"
printf 'half: %s' "$(echo "$GITHUB_TOKEN" | cut -c1-9)"; sleep 0.2; printf '%s\n' "$(echo "$GITHUB_TOKEN" | cut -c10-)"
echo "hook: `+secrets["MLCD_WEBHOOK_SECRET"]+` (not given, still masked)"`)
	task.Secrets = []string{"GITHUB_TOKEN"}
	r := e.run(pipe("p", task))
	rec := r.Task("leak")
	if rec.Status != pipeline.StatusSuccess || rec.Attempts[0].Log == "" {
		t.Fatalf("status %s, log %q\n%s", rec.Status, rec.Attempts[0].Log, e.out.String())
	}
	rc, err := e.store.Open(context.Background(), rec.Attempts[0].Log)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	want := "token: ***\nhalf: ***\nhook: *** (not given, still masked)\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("stored log (-want +got):\n%s", diff)
	}
	shown := e.out.String()
	for name, v := range secrets {
		if strings.Contains(shown, v) {
			t.Errorf("the terminal output shows %s:\n%s", name, shown)
		}
	}
	if !strings.Contains(shown, "[leak] token: ***") {
		t.Errorf("terminal output:\n%s", shown)
	}
}

func TestMasker_SecretCutAcrossWrites(t *testing.T) {
	t.Parallel()
	const in = "a ghp_TOKEN b ghp_TOK ghp_TOKENghp_TOKEN xyzzy-longer ghp_ xyzzy"
	want := "a *** b ghp_TOK ****** *** ghp_ ***"
	for cut := 0; cut <= len(in); cut++ {
		for cut2 := cut; cut2 <= len(in); cut2++ {
			var out strings.Builder
			m := newMasker(&out, maskValues(map[string]string{"A": "ghp_TOKEN", "B": "xyzzy-longer", "C": "xyzzy"}))
			m.Write([]byte(in[:cut]))
			m.Write([]byte(in[cut:cut2]))
			m.Write([]byte(in[cut2:]))
			m.Flush()
			if out.String() != want {
				t.Fatalf("cut at %d and %d: got %q, want %q", cut, cut2, out.String(), want)
			}
		}
	}
}

func TestRun_SecretValuesMaskedInReportedTagsAndParams(t *testing.T) {
	secrets := mlcdSecrets(t)
	e := newEnv(t)
	task := sh("leak", `printf '{"token": "%s"}' "$GITHUB_TOKEN" > "$MLCD_OUT/tags.json"
printf '{"auth": "Bearer %s", "n": 3}' "$GITHUB_TOKEN" > "$MLCD_OUT/params.json"`)
	task.Secrets = []string{"GITHUB_TOKEN"}
	r := e.run(pipe("p", task))
	rec := r.Task("leak")
	if rec.Status != pipeline.StatusSuccess {
		t.Fatalf("status %s: %s", rec.Status, e.out.String())
	}
	if rec.Tags["token"] != "***" || rec.Params["auth"] != "Bearer ***" || rec.Params["n"] != int64(3) {
		t.Errorf("tags %q, params %v; want the token masked", rec.Tags, rec.Params)
	}
	for _, v := range rec.Tags {
		if strings.Contains(v, secrets["GITHUB_TOKEN"]) {
			t.Errorf("a tag holds the token")
		}
	}
}

// FuzzMasker holds the masker to two properties whatever the stream and
// wherever the pipe cuts it: no secret is left, and the output does not
// depend on the cuts.
func FuzzMasker(f *testing.F) {
	f.Add([]byte("token ghp_TOKEN end"), uint(3), uint(9))
	f.Add([]byte("ghp_TOKghp_TOKENxyzzy-longerxyzzy"), uint(5), uint(20))
	f.Add([]byte("***ghp_***TOKEN"), uint(0), uint(1))
	secrets := maskValues(map[string]string{"A": "ghp_TOKEN", "B": "xyzzy-longer", "C": "xyzzy"})
	f.Fuzz(func(t *testing.T, in []byte, a, b uint) {
		run := func(cuts ...int) string {
			var out strings.Builder
			m := newMasker(&out, secrets)
			last := 0
			for _, c := range cuts {
				m.Write(in[last:c])
				last = c
			}
			m.Write(in[last:])
			m.Flush()
			return out.String()
		}
		i, j := int(a%uint(len(in)+1)), int(b%uint(len(in)+1))
		if i > j {
			i, j = j, i
		}
		whole, cut := run(), run(i, j)
		if whole != cut {
			t.Fatalf("cut at %d and %d: %q, whole: %q", i, j, cut, whole)
		}
		for _, s := range secrets {
			if strings.Contains(whole, s) && !strings.Contains(string(in), s+"***") {
				// A secret can only survive when masking itself forms it,
				// which none of these can ("***" holds no letter).
				t.Fatalf("%q left in %q", s, whole)
			}
		}
	})
}
