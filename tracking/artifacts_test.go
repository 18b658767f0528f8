package tracking

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServer_artifactProxy(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	base := f.sess.URI() + artifactsPrefix + "/0/" + id + "/artifacts"
	// PUTs of log_artifact and log_model (proxied mode), raw bytes.
	files := map[string]string{
		"notes.txt":              "hello\n",
		"model/MLmodel":          "artifact_path: model\nflavors:\n  sklearn: {}\n",
		"model/requirements.txt": "scikit-learn\n",
		"model/model.pkl":        strings.Repeat("\x00\x01", 1000),
	}
	for rel, content := range files {
		status, body := doRaw(t, "PUT", base+"/"+rel, content, "application/octet-stream")
		if status != http.StatusOK || string(body) != "{}" {
			t.Fatalf("PUT %s: %d %s", rel, status, body)
		}
	}
	// A run id alone lets nobody write: without the task's URI, PUT is refused.
	status, body := doRaw(t, "PUT", f.srv.URL()+artifactsPrefix+"/0/"+id+"/artifacts/x.txt", "x", "text/plain")
	if status != http.StatusForbidden {
		t.Errorf("PUT without the task's URI: %d %s", status, body)
	}
	// They are files of MLCD_OUT, under mlflow/<run>/.
	for rel, content := range files {
		data, err := os.ReadFile(filepath.Join(f.out, "mlflow", id, filepath.FromSlash(rel)))
		if err != nil || string(data) != content {
			t.Errorf("%s in MLCD_OUT: %q, %v", rel, data, err)
		}
	}
	// GET of a file, and the listing as the client asks for it (no token, ?path=).
	status, body = doRaw(t, "GET", base+"/model/requirements.txt", "", "")
	if status != http.StatusOK || string(body) != "scikit-learn\n" {
		t.Errorf("GET: %d %q", status, body)
	}
	m := f.mustOKURL("GET", f.srv.URL()+artifactsPrefix+"?path=0%2F"+id+"%2Fartifacts%2Fmodel")
	if got := jsonOf(t, m); got != `{"files":[{"file_size":44,"is_dir":false,"path":"MLmodel"},{"file_size":2000,"is_dir":false,"path":"model.pkl"},{"file_size":13,"is_dir":false,"path":"requirements.txt"}]}` {
		t.Errorf("list: %s", got)
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/artifacts/list?run_id="+id, "")
	if got := jsonOf(t, m); !strings.Contains(got, `"root_uri":"mlflow-artifacts:/0/`+id+`/artifacts"`) || !strings.Contains(got, `{"is_dir":true,"path":"model"}`) {
		t.Errorf("artifacts/list: %s", got)
	}
	// A missing folder lists empty; DELETE removes.
	if m := f.mustOKURL("GET", f.srv.URL()+artifactsPrefix+"?path=0/"+id+"/artifacts/none"); len(m) != 0 {
		t.Errorf("missing folder: %v", m)
	}
	if status, _ := doRaw(t, "DELETE", base+"/notes.txt", "", ""); status != http.StatusOK {
		t.Errorf("DELETE: %d", status)
	}
	if _, err := os.Stat(filepath.Join(f.out, "mlflow", id, "notes.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("deleted file is still there: %v", err)
	}
}

func (f *fixture) mustOKURL(method, url string) map[string]any {
	f.t.Helper()
	status, m := doURL(f.t, method, url, "")
	if status != http.StatusOK {
		f.t.Fatalf("%s %s: %d %v", method, url, status, m)
	}
	return m
}

// TestServer_artifactTraversal sends what CVE-2023-1177 and its relatives
// sent: nothing may be written or read outside the run's artifact root.
func TestServer_artifactTraversal(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	other := f.srv.Open(Task{Name: "other", Attempt: 1, OutDir: t.TempDir(), Recorder: &memRecorder{}})
	otherRun := createRunIn(t, other)
	secret := filepath.Join(filepath.Dir(f.out), "secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A symlink the task left in its own artifacts must not lead out.
	if err := os.MkdirAll(filepath.Join(f.out, "mlflow", id), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(f.out), filepath.Join(f.out, "mlflow", id, "link")); err != nil {
		t.Fatal(err)
	}
	pre := f.sess.URI() + artifactsPrefix
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/0/" + id + "/artifacts/../../../secret", 400},
		{"/0/" + id + "/artifacts/%2e%2e/%2e%2e/secret", 400},
		{"/0/" + id + "/artifacts/%2E%2E%2Fsecret", 400},
		{"/0/" + id + "/artifacts/a%2fb", 400},
		{"/0/" + id + "/artifacts/%252e%252e/secret", 400},
		{"/0/" + id + "/artifacts/..%5csecret", 400},
		{"//etc/passwd", 400},
		{"/0/" + id + "/artifacts//etc/passwd", 400},
		{"/0/" + id + "/artifacts/./x", 400},
		{"/0/" + id + "/x/y", 400},
		{"/0/" + id + "/artifacts/link/secret", 400},
		{"/0/" + otherRun + "/artifacts/x", 403},
		{"/1/" + id + "/artifacts/x", 400},
	} {
		for _, method := range []string{"PUT", "GET"} {
			status, body := doRaw(t, method, pre+c.path, "pwned", "text/plain")
			if status != c.status && !(method == "GET" && status == 404) {
				t.Errorf("%s %s: %d %s, want %d", method, c.path, status, body, c.status)
			}
		}
	}
	for _, q := range []string{"0/" + id + "/artifacts/..", "/etc", "0/" + id + "/artifacts/%2e%2e", "0/" + id + "/artifacts/link"} {
		status, body := doRaw(t, "GET", f.srv.URL()+artifactsPrefix+"?path="+strings.ReplaceAll(q, "%", "%25"), "", "")
		if status == http.StatusOK && strings.Contains(string(body), "secret") {
			t.Errorf("list %s: %d %s", q, status, body)
		}
	}
	if data, _ := os.ReadFile(secret); string(data) != "s" {
		t.Errorf("the file outside was written: %q", data)
	}
	_ = filepath.WalkDir(f.out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "link" {
			t.Errorf("a file was written: %s", p)
		}
		return nil
	})
	if entries, _ := os.ReadDir(filepath.Dir(f.out)); len(entries) != 4 { // the checkout, two MLCD_OUTs, secret
		t.Errorf("files beside MLCD_OUT: %v", entries)
	}
}

func createRunIn(t *testing.T, sess *Session) string {
	t.Helper()
	status, m := doURL(t, "POST", sess.URI()+"/api/2.0/mlflow/runs/create", `{"experiment_id": "0"}`)
	if status != 200 {
		t.Fatalf("runs/create: %d %v", status, m)
	}
	return dig(m, "run", "info", "run_id").(string)
}

func TestParseArtifactPath(t *testing.T) {
	id := strings.Repeat("ab", 16)
	good := map[string]artifactPath{
		"0/" + id + "/artifacts":                   {exp: "0", run: id, rel: ""},
		"1/" + id + "/artifacts/model/MLmodel":     {exp: "1", run: id, rel: "model/MLmodel"},
		"1/" + id + "/artifacts/a%20b.txt":         {exp: "1", run: id, rel: "a b.txt"},
		"1/" + id + "/artifacts/v1..v2/notes..txt": {exp: "1", run: id, rel: "v1..v2/notes..txt"},
	}
	for in, want := range good {
		got, err := parseArtifactPath(in, true)
		if err != nil || got != want {
			t.Errorf("parseArtifactPath(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0/" + id, "0/" + id + "/x", "0/short/artifacts", "0/" + id + "/artifacts/",
		"0/" + id + "/artifacts/..", "0/" + id + "/artifacts/a/../../b", "/0/" + id + "/artifacts", "0//" + id + "/artifacts",
		"0/" + id + "/artifacts/%2e%2e", "0/" + id + "/artifacts/a%2Fb", "0/" + id + "/artifacts/a%5Cb", "0/" + id + "/artifacts/a\\b",
		"0/" + id + "/artifacts/%00", "0/" + id + "/artifacts/%zz"} {
		if got, err := parseArtifactPath(in, true); !errors.Is(err, errPath) {
			t.Errorf("parseArtifactPath(%q) = %+v, %v; want errPath", in, got, err)
		}
	}
	if _, err := parseArtifactPath("0/"+id+"/artifacts/%2e%2e", false); !errors.Is(err, errPath) {
		t.Error("a decoded path with an escape was accepted")
	}
}

// FuzzParseArtifactPath holds the path check: whatever it accepts is a
// local path under the run's root.
func FuzzParseArtifactPath(f *testing.F) {
	id := strings.Repeat("0f", 16)
	for _, s := range []string{"0/" + id + "/artifacts/model/MLmodel", "0/" + id + "/artifacts/../x", "0/" + id + "/artifacts/%2e%2e/x",
		"0/" + id + "/artifacts/a%2fb", "//x", "0/" + id + "/artifacts/a\\..\\b"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, p string, escaped bool) {
		ap, err := parseArtifactPath(p, escaped)
		if err != nil {
			return
		}
		full := fileOf(ap)
		if !filepath.IsLocal(full) || !strings.HasPrefix(full, "mlflow/"+ap.run) || strings.Contains(full, "\\") {
			t.Fatalf("%q (escaped %v) gives %q", p, escaped, full)
		}
		if ap.rel != "" && strings.HasPrefix(filepath.Clean(ap.rel), "..") {
			t.Fatalf("%q: rel %q leaves the root", p, ap.rel)
		}
	})
}
