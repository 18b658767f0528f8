package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

type modelRowView struct {
	Name, Href, LatestStage string
	Count, Production       int
	Latest                  int
	KeyMetrics              []nameValue
	Deployed                *deployedView
}

type deployedView struct {
	Version         int
	Endpoint, Since string
}

type versionView struct {
	Number                                    int
	Stage, Aliases, RunID, RunHref, Commit    string
	Digest, ShortDigest, Created, CompareHref string
	CommitHref                                string
	Metrics                                   []nameValue
	// Params are the params the version's task reported, from its run's
	// record; ParamsNote says why there are none to show.
	Params     []nameValue
	ParamsNote string
	run        *runRow
	task       string
}

type stageView struct {
	When, From, To, Author, Commit, PRHref string
	CommitHref                             string
	Version, PR                            int
}

type eventView struct {
	When, Action, Endpoint, Commit, Reason string
	CommitHref                             string
	Version                                int
}

type deploymentView struct {
	Current *eventView
	History []eventView
}

type modelView struct {
	Name        string
	Description any // template.HTML from goldmark
	Versions    []versionView
	Stages      []stageView
	Deployment  *deploymentView
	Trend       *pointChart
	NoTrend     string // why there is no trend chart
}

// keyMetrics are the first few metrics of v, by name.
func keyMetrics(v *registry.Version, n int) []nameValue {
	var out []nameValue
	for _, k := range sortedKeys(v.Metrics) {
		if len(out) == n {
			break
		}
		out = append(out, nameValue{k, formatFloat(v.Metrics[k])})
	}
	return out
}

// keyMetricsFirst is keyMetrics with the metric first, when v has it:
// the promotion metric leads.
func keyMetricsFirst(v *registry.Version, n int, first string) []nameValue {
	val, ok := v.Metrics[first]
	if !ok {
		return keyMetrics(v, n)
	}
	out := []nameValue{{first, formatFloat(val)}}
	for _, nv := range keyMetrics(v, n) {
		if nv.Name != first && len(out) < n {
			out = append(out, nv)
		}
	}
	return out
}

func modelHref(root, name string) string { return root + "models/" + slug(name) + "/index.html" }

// modelRows lists the models; first is the metric their key metrics
// start with (the promotion metric).
func modelRows(models []*registry.Model, deps map[string]*Deployment, root, first string) []modelRowView {
	var out []modelRowView
	for _, m := range models {
		r := modelRowView{Name: m.Name, Href: modelHref(root, m.Name), Count: len(m.Versions)}
		if prod := m.Production(); prod != nil {
			r.Production = prod.Version
			r.KeyMetrics = keyMetricsFirst(prod, 3, first)
		}
		if l := m.Latest(); l != nil {
			r.Latest, r.LatestStage = l.Version, string(l.Stage)
		}
		if d := deps[m.Name]; d != nil && d.Current != nil {
			r.Deployed = &deployedView{Version: d.Current.Version, Endpoint: d.Current.Endpoint, Since: formatTime(d.Current.Time)}
		}
		out = append(out, r)
	}
	return out
}

// jsonHash hashes a view for the manifest: the page changes exactly when
// its view does.
func (p *pass) jsonHash(v any) (string, error) {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(v); err != nil {
		return "", fmt.Errorf("hash page inputs: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// modelPages writes models/index.html, each model's page and each
// version's comparison with the current Production version.
func (p *pass) modelPages(ctx context.Context, models []*registry.Model, deps map[string]*Deployment, byRun map[string]*runRow) error {
	rows := modelRows(models, deps, "../", p.goals.Metric)
	hash, err := p.jsonHash(rows)
	if err != nil {
		return err
	}
	if err := p.emit("models/index.html", hash, func() ([]byte, error) {
		return p.b.render("models", page0("Models", "../", rows))
	}); err != nil {
		return err
	}
	return parallel(ctx, len(models), func(i int) error {
		return p.modelPage(ctx, models[i], deps[models[i].Name], byRun)
	})
}

func runKey(pipelineName, id string) string { return pipelineName + "\x00" + id }

func (p *pass) modelPage(ctx context.Context, m *registry.Model, dep *Deployment, byRun map[string]*runRow) error {
	base := "models/" + slug(m.Name) + "/"
	prod := m.Production()
	v := &modelView{Name: m.Name, Trend: versionTrend(m, p.goals, byRun)}
	if v.Trend == nil {
		v.NoTrend = "No trend: mlcd.yaml names no promote: metric, or no version has it."
	}
	var desc strings.Builder
	var sums []string // of the versions' run records, which hold their params
	for i := len(m.Versions) - 1; i >= 0; i-- {
		ver := m.Versions[i]
		vv := versionView{Number: ver.Version, Stage: string(ver.Stage), Aliases: strings.Join(ver.Aliases, ", "),
			RunID: ver.RunID, Commit: shortCommit(ver.Commit), Digest: ver.Artifact.SHA256,
			ShortDigest: shortCommit(ver.Artifact.SHA256), Created: formatTime(ver.Created), Metrics: keyMetricsFirst(ver, 4, p.goals.Metric),
			CommitHref: p.forge.commit(ver.Commit)}
		if r := byRun[runKey(ver.Pipeline, ver.RunID)]; r != nil {
			vv.RunHref = r.href("../../")
			vv.run, vv.task = r, ver.Task
			sums = append(sums, r.SHA256)
		}
		if prod != nil && ver != prod {
			vv.CompareHref = fmt.Sprintf("v%d-vs-production.html", ver.Version)
		}
		if ver.Description != "" && desc.Len() == 0 {
			desc.WriteString(ver.Description)
		}
		v.Versions = append(v.Versions, vv)
	}
	for _, c := range p.history[m.Name] {
		sv := stageView{When: formatTime(c.Time), Version: c.Version, From: string(c.From), To: string(c.To),
			Author: c.Author, Commit: shortCommit(c.Commit), PR: c.PR, CommitHref: p.forge.commit(c.Commit)}
		if strings.HasPrefix(c.PRURL, "https://") {
			sv.PRHref = c.PRURL
		} else {
			sv.PRHref = p.forge.pull(c.PR)
		}
		v.Stages = append(v.Stages, sv)
	}
	if dep != nil {
		v.Deployment = deploymentViewOf(dep, p.forge)
	}
	if prod != nil {
		// Production is one side of every comparison: its part of their
		// hashes is computed once.
		prodHash, err := p.jsonHash(struct {
			A *registry.Version
			G goals
		}{prod, p.goals})
		if err != nil {
			return err
		}
		err = parallel(ctx, len(m.Versions), func(i int) error {
			if ver := m.Versions[i]; ver != prod {
				return p.versionCompare(fmt.Sprintf("%sv%d-vs-production.html", base, ver.Version), ver, prod, prodHash, byRun)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	hash, err := p.jsonHash(struct {
		V *modelView
		D string
		S []string
	}{v, desc.String(), sums})
	if err != nil {
		return err
	}
	return p.emit(base+"index.html", hash, func() ([]byte, error) {
		for i := range v.Versions {
			if err := p.fillParams(&v.Versions[i]); err != nil {
				return nil, err
			}
		}
		html, err := p.b.markdown([]byte(desc.String()))
		if err != nil {
			return nil, err
		}
		if html != "" {
			v.Description = html
		}
		return p.b.render("model", page0("Model "+m.Name, "../../", v))
	})
}

// fillParams sets a version's own params from its run's record.
func (p *pass) fillParams(vv *versionView) error {
	if vv.run == nil {
		vv.ParamsNote = "run record not found"
		return nil
	}
	params, ok, err := p.versionParams(vv.run, vv.task)
	if err != nil {
		return err
	}
	if !ok {
		vv.ParamsNote = "task not in the run record"
	}
	vv.Params = params
	return nil
}

func deploymentViewOf(d *Deployment, forge forgeLinks) *deploymentView {
	ev := func(e DeployEvent) eventView {
		return eventView{When: formatTime(e.Time), Action: e.Action, Endpoint: e.Endpoint,
			Commit: shortCommit(e.Commit), Reason: e.Reason, Version: e.Version, CommitHref: forge.commit(e.Commit)}
	}
	v := &deploymentView{}
	if d.Current != nil {
		c := ev(*d.Current)
		v.Current = &c
	}
	for _, e := range d.History {
		v.History = append(v.History, ev(e))
	}
	return v
}

type versionCompareView struct {
	Title  string
	Table  *Comparison
	Bars   *barChart
	Charts chartList
}

// versionCompare writes the comparison of ver with prod, histories
// included when the runs' records are there.
func (p *pass) versionCompare(rel string, ver, prod *registry.Version, prodHash string, byRun map[string]*runRow) error {
	var sums []string
	for _, x := range []*registry.Version{prod, ver} {
		if r := byRun[runKey(x.Pipeline, x.RunID)]; r != nil {
			sums = append(sums, r.SHA256)
		}
	}
	hash, err := p.jsonHash(struct {
		P string
		B *registry.Version
		S []string
	}{prodHash, ver, sums})
	if err != nil {
		return err
	}
	return p.emit(rel, hash, func() ([]byte, error) {
		var subjects []Subject
		for _, x := range []*registry.Version{prod, ver} {
			s := VersionSubject(x)
			if r := byRun[runKey(x.Pipeline, x.RunID)]; r != nil {
				s.Href = r.href("../../")
				own, ok, err := p.versionParams(r, x.Task)
				if err != nil {
					return nil, err
				}
				if ok {
					s.Params = map[string]string{}
					for _, nv := range own {
						s.Params[nv.Name] = nv.Value
					}
				}
				h, err := p.taskHistory(r, x.Task)
				if err != nil {
					return nil, err
				}
				s.History = h
			}
			subjects = append(subjects, s)
		}
		c := Compare(subjects...).withDeltas(p.goals)
		v := &versionCompareView{Title: fmt.Sprintf("%s v%d vs Production v%d", ver.Model, ver.Version, prod.Version),
			Table: c, Bars: c.barChart(), Charts: c.historyCharts()}
		return p.b.render("versioncompare", page0(v.Title, "../../", v))
	})
}

// taskHistory reads the metric histories of one task of a run.
// The production version's run is read once per build, not once per
// version compared with it.
func (p *pass) taskHistory(r *runRow, task string) (map[string]history, error) {
	key := r.File + "\x00" + task
	p.mu.Lock()
	h, ok := p.histories[key]
	p.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := readTaskHistory(p.records, r, task)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.histories[key] = h
	p.mu.Unlock()
	return h, nil
}

func readTaskHistory(fsys fs.FS, r *runRow, task string) (map[string]history, error) {
	run, series, _, err := readRun(fsys, r.File, nil)
	if err != nil {
		return nil, err
	}
	if run.Task(task) == nil {
		return nil, nil
	}
	return taskHistoryOf(series, task), nil
}

// taskHistoryOf copies the histories of one task out of a run's series,
// so that keeping them does not keep the whole run's.
func taskHistoryOf(series []pipeline.Series, task string) map[string]history {
	out := map[string]history{}
	for _, s := range series {
		if s.Task == task {
			out[s.Metric] = history{Steps: slices.Clone(s.Steps), Values: slices.Clone(s.Values)}
		}
	}
	return out
}

// wantHistories notes the tasks whose histories the version pages show,
// so that the scan of run records keeps them instead of reading those
// records a second time.
func (p *pass) wantHistories(models []*registry.Model) {
	for _, m := range models {
		for _, v := range m.Versions {
			p.wanted[runKey(v.Pipeline, v.RunID)+"\x00"+v.Task] = true
		}
	}
}
