package churn_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// checkMLflowTrainer checks what train_lr, an MLflow script talking to
// mlcd's tracking endpoint over HTTP, left in the run record: its params,
// metric history, MLflow run, model folder (as the task's model, flavor
// left to MLmodel) and the Production transition as a request.
func checkMLflowTrainer(t *testing.T, ex *example, tr *pipeline.TaskRecord) {
	assertSaneMetricValues(t, tr)
	if fmt.Sprint(tr.Params["epochs"]) != "15" || tr.Params["model"] != "SGDClassifier(log_loss)" {
		t.Errorf("params: %v", tr.Params)
	}
	if h := tr.MetricHistory["test_logloss"]; len(h) != 15 || h[14].Step != 14 || h[0].Time.IsZero() {
		t.Errorf("test_logloss history: %+v", h)
	}
	if len(tr.MLflowRuns) != 1 {
		t.Fatalf("mlflow runs: %+v", tr.MLflowRuns)
	}
	mr := tr.MLflowRuns[0]
	if mr.Name != "logistic-regression" || mr.Experiment != "churn" || mr.Status != "FINISHED" || mr.Artifacts != "mlflow/"+mr.ID {
		t.Errorf("mlflow run: %+v", mr)
	}
	folder := "mlflow/" + mr.ID + "/model"
	if tr.Model == nil || *tr.Model != (pipeline.ModelSpec{Name: "churn-lr", File: folder}) {
		t.Errorf("model: %+v", tr.Model)
	}
	mlmodel, err := os.ReadFile(ex.output(t, &pipeline.Run{Tasks: []*pipeline.TaskRecord{tr}}, tr.Name, folder+"/MLmodel"))
	if err != nil || !strings.Contains(string(mlmodel), "pickled_model: \"model.pkl\"") || !strings.Contains(string(mlmodel), "run_id: \""+mr.ID+"\"") {
		t.Errorf("MLmodel: %v\n%s", err, mlmodel)
	}
	for _, f := range []string{"model/model.pkl", "model/conda.yaml", "model/requirements.txt", "model/python_env.yaml", "coefficients.csv"} {
		if tr.Output("mlflow/"+mr.ID+"/"+f) == nil {
			t.Errorf("no output %s", f)
		}
	}
	if len(tr.StageRequests) != 1 || tr.StageRequests[0] != (pipeline.StageRequest{Model: "churn-lr", Stage: "Production"}) {
		t.Errorf("stage requests: %+v", tr.StageRequests)
	}
}

// assertSaneMetricValues is assertSaneMetrics without the files a
// protocol trainer writes.
func assertSaneMetricValues(t *testing.T, tr *pipeline.TaskRecord) {
	t.Helper()
	for _, m := range []string{"accuracy", "precision", "recall", "f1", "roc_auc"} {
		if v, ok := tr.Metrics[m]; !ok || v < 0 || v > 1 {
			t.Errorf("%s: metric %s = %v (present %v)", tr.Name, m, v, ok)
		}
	}
	if auc := tr.Metrics["roc_auc"]; auc <= 0.7 {
		t.Errorf("%s: roc_auc = %v, want > 0.7", tr.Name, auc)
	}
}
