package registry

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

func sealRun() *pipeline.Run {
	end := time.Date(2026, 11, 26, 23, 34, 1, 0, time.UTC)
	return &pipeline.Run{
		ID: "20261126T233401.000Z-ab12", Pipeline: "churn", Git: &pipeline.GitInfo{Commit: "c0ffee0000000000000000000000000000000000"},
		Params: pipeline.Params{"seed": 42, "rate": 0.1},
		Tasks: []*pipeline.TaskRecord{{
			Name: "train", Status: pipeline.StatusSuccess, End: end,
			Outputs: []pipeline.Output{{Path: "model.json", SHA256: "abababababababababababababababababababababababababababababababab", Size: 3}},
			Metrics: map[string]float64{"f1": 0.5}, Params: pipeline.Params{"depth": 4},
			Model: &pipeline.ModelSpec{Name: "churn", File: "model.json", Flavor: pipeline.FlavorXGBoost},
		}},
	}
}

func TestSealDiff(t *testing.T) {
	t.Parallel()
	reg, err := Registered(sealRun(), "train")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(v *Version)
		want []string
	}{
		{"people's fields", func(v *Version) { v.Stage, v.Aliases, v.Description = StageProduction, []string{"champion"}, "best" }, nil},
		{"params read back from JSON", func(v *Version) { v.Params = pipeline.Params{"seed": 42.0, "rate": 0.1, "depth": 4.0} }, nil},
		{"serve command", func(v *Version) { v.Flavor, v.Serve = pipeline.FlavorCommand, "sh -c id" }, []string{"flavor", "serve"}},
		{"digest", func(v *Version) { v.Artifact.SHA256 = "cd" + v.Artifact.SHA256[2:] }, []string{"artifact"}},
		{"metrics", func(v *Version) { v.Metrics["f1"] = 0.9 }, []string{"metrics"}},
		{"a param", func(v *Version) { v.Params["depth"] = int64(5) }, []string{"params"}},
		{"run", func(v *Version) { v.RunID = "other" }, []string{"run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Registered(sealRun(), "train")
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(v)
			if got := SealDiff(reg, v); !slices.Equal(got, tc.want) {
				t.Errorf("SealDiff = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRegistered_IsWhatRegisterWrites(t *testing.T) {
	t.Parallel()
	files, versions, err := Register(nil, sealRun())
	if err != nil || len(versions) != 1 {
		t.Fatalf("Register = %v, %v", versions, err)
	}
	parsed, err := Parse(versions[0].Path(), files[versions[0].Path()])
	if err != nil {
		t.Fatal(err)
	}
	want, err := Registered(sealRun(), "train")
	if err != nil {
		t.Fatal(err)
	}
	want.Version = 1
	if d := SealDiff(want, parsed); len(d) > 0 {
		t.Errorf("the registered file differs from Registered in %q", d)
	}
	if _, err := Registered(sealRun(), "nope"); err == nil {
		t.Error("Registered of a task the run lacks: no error")
	}
}

// A version registered from an MLflow model folder matches Registered:
// the artifact is the folder's manifest, and only the flavor (read from
// MLmodel in the store) is left for the checker to take from the file.
func TestRegistered_MLflowFolder(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"", pipeline.FlavorMLflow, pipeline.FlavorSklearn} {
		st := newStore(t)
		run := folderRun(t, st, flavor, map[string]string{"MLmodel": sklearnMLmodel, "model.pkl": "\x80\x04pickled"})
		_, versions, err := RegisterFrom(context.Background(), mustLoad(t, fstest.MapFS{}), run, st)
		if err != nil || len(versions) != 1 {
			t.Fatalf("flavor %q: %v, %d versions", flavor, err, len(versions))
		}
		want, err := Registered(run, run.Tasks[1].Name)
		if err != nil {
			t.Fatal(err)
		}
		want.Version = versions[0].Version
		if flavor != pipeline.FlavorSklearn {
			if want.Flavor != "" {
				t.Errorf("flavor %q: Registered's flavor = %q, want it left to MLmodel", flavor, want.Flavor)
			}
			want.Flavor = versions[0].Flavor
		}
		if d := SealDiff(want, versions[0]); len(d) > 0 {
			t.Errorf("flavor %q: the registered folder version differs from Registered in %q", flavor, d)
		}
	}
}
