package xgboost

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

// TestModel_pythonClient serves the tiny model and lets a Python client
// score it the way MLflow users do (pandas frames through json.dumps, with
// NaN; CSV with the index column), comparing with XGBoost's predict.
func TestModel_pythonClient(t *testing.T) {
	t.Parallel()
	trained(t) // skips (or fails under CI) without Debian's python3-xgboost
	path := filepath.Join("testdata", "tiny.json")
	m, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(scoring.Handler(m, scoring.Options{}))
	defer srv.Close()
	out, err := exec.Command(debianPython, filepath.Join("testdata", "mlflow_client.py"), srv.URL, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("mlflow_client.py: %v\n%s", err, out)
	}
}
