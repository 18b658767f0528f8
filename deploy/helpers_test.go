package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

const python = "/usr/bin/python3"

var (
	modelsOnce sync.Once
	modelsDir  string
	modelsErr  error
)

// trained returns the folder of the models testdata/train_models.py
// trains (once per test binary), or skips the test when Debian's
// python3-xgboost and python3-sklearn are missing (fails under CI=true).
func trained(t *testing.T) string {
	t.Helper()
	modelsOnce.Do(func() {
		if err := exec.Command(python, "-c", "import xgboost, sklearn").Run(); err != nil {
			modelsErr = fmt.Errorf("%s with xgboost and sklearn is needed (apt install python3-xgboost python3-sklearn): %v", python, err)
			return
		}
		modelsDir, modelsErr = os.MkdirTemp("", "mlcd-deploy-models-")
		if modelsErr != nil {
			return
		}
		out, err := exec.Command(python, "testdata/train_models.py", modelsDir).CombinedOutput()
		if err != nil {
			modelsErr = fmt.Errorf("train models: %v\n%s", err, out)
		}
	})
	if modelsErr != nil {
		if os.Getenv("CI") == "true" || !strings.Contains(modelsErr.Error(), "is needed") {
			t.Fatal(modelsErr)
		}
		t.Skip(modelsErr)
	}
	return modelsDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if modelsDir != "" {
		os.RemoveAll(modelsDir)
	}
	os.Exit(code)
}

// fixture is a deployer over a fresh store, served on a loopback port.
type fixture struct {
	t        *testing.T
	st       *store.Local
	d        *Deployer
	srv      *httptest.Server
	examples map[int][]byte // by version number
}

func newFixture(t *testing.T, tune func(*Config)) *fixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, examples: map[int][]byte{}}
	wd, _ := os.Getwd()
	cfg := Config{
		Store:        st,
		Dir:          t.TempDir(),
		WorkDir:      wd,
		StartTimeout: 30 * time.Second,
		MinBackoff:   50 * time.Millisecond,
		DrainTimeout: 10 * time.Second,
		Example: func(_ context.Context, v *registry.Version) ([]byte, error) {
			return f.examples[v.Version], nil
		},
	}
	if tune != nil {
		tune(&cfg)
	}
	f.d, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.d.Handler())
	t.Cleanup(func() {
		f.srv.Close()
		if err := f.d.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return f
}

// version stores the file at path and returns a version of model that
// serves it.
func (f *fixture) version(model string, n int, flavor, path string) *registry.Version {
	f.t.Helper()
	obj, err := f.st.PutFile(context.Background(), path)
	if err != nil {
		f.t.Fatal(err)
	}
	return &registry.Version{
		Schema: 1, Model: model, Version: n, Stage: registry.StageProduction,
		Artifact: registry.Artifact{File: "out/" + filepath.Base(path), SHA256: obj.SHA256, Size: obj.Size},
		Flavor:   flavor,
	}
}

// withExample gives v the test's input example.
func (f *fixture) withExample(v *registry.Version, body []byte) *registry.Version {
	v.InputExample = "example.json"
	f.examples[v.Version] = body
	return v
}

// sklearnVersion is a command-flavor version of the random forest served
// by testdata/serve_sklearn.py in mode.
func (f *fixture) sklearnVersion(model string, n int, mode string) *registry.Version {
	v := f.version(model, n, "command", filepath.Join(trained(f.t), "rf.pkl"))
	v.Serve = python + " testdata/serve_sklearn.py --model {model} --port {port} --mode " + mode
	return v
}

func (f *fixture) deploy(v *registry.Version) Result {
	f.t.Helper()
	res, err := f.d.Deploy(context.Background(), v, "c0ffee")
	if err != nil {
		f.t.Fatalf("deploy %s v%d: %v", v.Model, v.Version, err)
	}
	return res
}

// modelVersion is the model version /health answers under prefix ("" for
// the root), or the status and body when it answers no JSON.
func (f *fixture) modelVersion(prefix string) string {
	f.t.Helper()
	status, body := f.get(prefix + "/health")
	var h struct {
		ModelVersion string `json:"model_version"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || status != 200 {
		return fmt.Sprintf("%d %q", status, body)
	}
	return h.ModelVersion
}

// get returns the status and body of a GET on the gateway.
func (f *fixture) get(path string) (int, string) {
	f.t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post posts a JSON body to the gateway.
func (f *fixture) post(path string, body []byte) (int, string) {
	f.t.Helper()
	resp, err := http.Post(f.srv.URL+path, "application/json", strings.NewReader(string(body)))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
