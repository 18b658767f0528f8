package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse_TaskSecretsNameMlcdSecrets(t *testing.T) {
	t.Parallel()
	p, err := Parse("mlcd.yaml", []byte(`pipeline: p
tasks:
  publish:
    run: ./publish.sh
    secrets: [GITHUB_TOKEN, MLCD_WEBHOOK_SECRET]
  train: {run: ./train.sh}
`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GITHUB_TOKEN", "MLCD_WEBHOOK_SECRET"}, p.Task("publish").Secrets); diff != "" {
		t.Errorf("publish's secrets (-want +got):\n%s", diff)
	}
	if s := p.Task("train").Secrets; s != nil {
		t.Errorf("train's secrets: %q, want none", s)
	}
}
