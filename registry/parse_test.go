package registry

import (
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestParse_roundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range []*Version{
		sampleVersion("churn-rf", 1),
		func() *Version {
			v := sampleVersion("2024.model_x", 12)
			v.Stage = StageProduction
			v.Aliases = []string{"champion", "blue-1"}
			v.Description = "Retrained on \"November\" data,\nwith é and \t tabs \u2028 and \x01"
			v.Commit = ""
			v.Serve = ""
			v.Flavor = pipeline.FlavorXGBoost
			v.InputExample = "example.json"
			v.Metrics = nil
			v.Params = pipeline.Params{"yes": "no", "n": "200", "big": int64(-9223372036854775808), "tiny": 5e-324, "huge": 1e300, "neg": -0.5}
			return v
		}(),
	} {
		data := Marshal(v)
		name := v.Path()
		fast, ok := parseFast(string(data), fileName{v.Model, v.Version})
		if !ok {
			t.Errorf("fast path refused its own output:\n%s", data)
		} else {
			diffVersions(t, v, fast)
		}
		slow, errs := parseYAML(name, string(data), fileName{v.Model, v.Version})
		if len(errs) > 0 {
			t.Fatalf("yaml path: %v\n%s", errs, data)
		}
		diffVersions(t, v, slow)
	}
}
