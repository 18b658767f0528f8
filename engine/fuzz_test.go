package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// FuzzReadResult feeds any bytes as a task's result: ReadResult never
// panics, and what it accepts is a final record of that task whose
// outputs are in the store.
func FuzzReadResult(f *testing.F) {
	pl := &Plan{Schema: PlanSchema, RunID: "20260101T000000.000Z-abcdef", Commit: commit, Tasks: []PlanTask{{Name: "a"}}}
	good, _ := json.Marshal(Result{Schema: PlanSchema, RunID: pl.RunID, Task: "a", Commit: commit,
		Record: &pipeline.TaskRecord{Name: "a", Status: pipeline.StatusSuccess}})
	for _, s := range [][]byte{good, []byte(`{}`), []byte(`{"schema":1,"record":null}`), []byte(`[`), []byte(`{"schema":1} {}`),
		[]byte(`{"schema":1,"run_id":"20260101T000000.000Z-abcdef","task":"a","commit":"` + commit + `","record":{"name":"a","status":"success","outputs":[{"path":"x","sha256":"zz"}]}}`)} {
		f.Add(s)
	}
	st, err := store.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		if err := st.WriteDoc(ctx, ResultDoc(pl.RunID, "a"), data); err != nil {
			t.Skip() // over the size limit
		}
		rec, err := ReadResult(ctx, st, pl, "a")
		if err != nil {
			return
		}
		if rec == nil || rec.Name != "a" || !rec.Status.Done() {
			t.Fatalf("accepted %+v", rec)
		}
		for _, o := range rec.Outputs {
			if ok, err := st.Has(ctx, o.SHA256); err != nil || !ok {
				t.Fatalf("accepted an output not in the store: %+v", o)
			}
		}
	})
}

// FuzzReadPlan: any bytes as a plan never panic ReadPlan, and an accepted
// plan is of the run asked for, with a commit and tasks.
func FuzzReadPlan(f *testing.F) {
	p, _ := pipeline.Parse(pipeline.FileName, []byte(chain))
	pl := NewPlan(p, []byte(chain), commit, "main", pipeline.Trigger{}, nil)
	good, _ := json.Marshal(pl)
	f.Add(good)
	f.Add([]byte(`{"schema":1,"run_id":"x"}`))
	f.Add([]byte(`{"schema":2}`))
	st, err := store.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		if err := st.WriteDoc(ctx, PlanDoc(pl.RunID), data); err != nil {
			t.Skip()
		}
		got, err := ReadPlan(ctx, st, pl.RunID)
		if err != nil {
			return
		}
		if got.RunID != pl.RunID || got.Commit == "" || len(got.Tasks) == 0 {
			t.Fatalf("accepted %+v", got)
		}
	})
}
