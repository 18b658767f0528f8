package ghactions

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// Each job has the least it needs: nothing at the top, contents: read for
// the plan and the tasks, contents: write for the record job alone; the
// token reaches only the record job and the tasks that list it in
// secrets:; a running workflow is never cancelled.
func TestWorkflow_LeastPrivilege(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			p := loadPipeline(t, g.pipeline)
			data, err := Workflow(p, g.opts)
			if err != nil {
				t.Fatal(err)
			}
			var wf struct {
				Permissions map[string]string `yaml:"permissions"`
				Concurrency struct {
					Cancel bool `yaml:"cancel-in-progress"`
				} `yaml:"concurrency"`
				Jobs map[string]struct {
					Permissions map[string]string `yaml:"permissions"`
					Steps       []struct {
						Name string            `yaml:"name"`
						Env  map[string]string `yaml:"env"`
						With map[string]any    `yaml:"with"`
						Uses string            `yaml:"uses"`
					} `yaml:"steps"`
				} `yaml:"jobs"`
			}
			if err := yaml.Unmarshal(data, &wf); err != nil {
				t.Fatal(err)
			}
			if len(wf.Permissions) != 0 || wf.Concurrency.Cancel {
				t.Errorf("top-level permissions %v, cancel-in-progress %v", wf.Permissions, wf.Concurrency.Cancel)
			}
			for id, j := range wf.Jobs {
				want := "read"
				if id == recordJob {
					want = "write"
				}
				if len(j.Permissions) != 1 || j.Permissions["contents"] != want {
					t.Errorf("job %s: permissions %v, want contents: %s alone", id, j.Permissions, want)
				}
				for _, s := range j.Steps {
					if s.Uses == CheckoutAction && s.With["persist-credentials"] != false {
						t.Errorf("job %s: the checkout keeps the token in .git/config", id)
					}
					if _, ok := s.Env["GITHUB_TOKEN"]; !ok {
						continue
					}
					task := p.Task(strings.TrimPrefix(s.Name, "task "))
					if id != recordJob && (task == nil || !strings.Contains(strings.Join(task.Secrets, ","), "GITHUB_TOKEN")) {
						t.Errorf("job %s: step %q gets GITHUB_TOKEN", id, s.Name)
					}
				}
			}
		})
	}
}
