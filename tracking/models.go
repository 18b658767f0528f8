package tracking

import (
	"io/fs"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
)

// registrations are the registry calls of this run: the models created and
// the versions declared, numbered after the checkout's registry. Guarded
// by Server.mu.
type registrations struct {
	created  map[string]int64         // registered-models/create: name -> ms
	versions map[string][]*newVersion // model -> declared versions, in order
	once     sync.Once
	reg      *registry.Registry // the checkout's registry, read once
}

// newVersion is a version a task declared with model-versions/create: the
// number mlcd gives it when the run is recorded (unless another run
// registered one first), stage None.
type newVersion struct {
	model   string
	number  int
	source  string
	runID   string
	sess    *Session
	created int64
}

func newRegistrations() *registrations {
	return &registrations{created: map[string]int64{}, versions: map[string][]*newVersion{}}
}

// registry returns the checkout's registry (empty when there is none).
func (s *Server) registry() *registry.Registry {
	s.reg.once.Do(func() {
		if s.opts.Dir != "" {
			reg, err := registry.Load(os.DirFS(s.opts.Dir))
			if err != nil {
				s.log.Warn("registry has problems; reading what loaded", "err", err)
			}
			s.reg.reg = reg
		}
		if s.reg.reg == nil {
			s.reg.reg, _ = registry.Load(emptyFS{})
		}
	})
	return s.reg.reg
}

// versionJSON is MLflow's ModelVersion.
type versionJSON struct {
	Name          string     `json:"name"`
	Version       string     `json:"version"`
	Created       int64      `json:"creation_timestamp"`
	Updated       int64      `json:"last_updated_timestamp"`
	Stage         string     `json:"current_stage"`
	Description   string     `json:"description"`
	Source        string     `json:"source,omitempty"`
	RunID         string     `json:"run_id,omitempty"`
	Status        string     `json:"status"`
	StatusMessage string     `json:"status_message,omitempty"`
	Tags          []keyValue `json:"tags,omitempty"`
	RunLink       string     `json:"run_link"`
	Aliases       []string   `json:"aliases,omitempty"`
}

// gitSource names a registered version's model file: the output of the
// run and task that registered it (served by mlcd's deployer, not
// downloadable through this endpoint).
func gitSource(v *registry.Version) string {
	return "mlcd://" + v.RunID + "/" + v.Task + "/" + v.Artifact.File
}

func (s *Server) gitVersionJSON(v *registry.Version) versionJSON {
	created := v.Created.UnixMilli()
	out := versionJSON{Name: v.Model, Version: strconv.Itoa(v.Version), Created: created, Updated: created,
		Stage: string(v.Stage), Description: v.Description, Source: gitSource(v), RunID: v.RunID, Status: "READY",
		Aliases: v.Aliases}
	if past := s.pastRuns(); past != nil {
		for _, p := range past.order {
			if p.run.ID == v.RunID && p.task.Name == v.Task {
				out.RunID = p.tracked.ID
				break
			}
		}
	}
	return out
}

func (nv *newVersion) json() versionJSON {
	return versionJSON{Name: nv.model, Version: strconv.Itoa(nv.number), Created: nv.created, Updated: nv.created,
		Stage: string(registry.StageNone), Source: nv.source, RunID: nv.runID, Status: "READY"}
}

// modelKnown reports whether name is a model of the checkout's registry or
// one created in this run; s.mu is held.
func (s *Server) modelKnown(name string) bool {
	_, created := s.reg.created[name]
	return created || s.registry().Model(name) != nil || len(s.reg.versions[name]) > 0
}

// checkModelName holds a name to the registry's rule: a letter or digit,
// then letters, digits, '.', '_' and '-', at most 100.
func checkModelName(name string) *apiError {
	ok := name != "" && len(name) <= 100 && isWordChar(name[0]) && name[0] != '_' && name[0] != '-'
	for i := 0; ok && i < len(name); i++ {
		ok = isWordChar(name[i]) || name[i] == '.'
	}
	if !ok {
		return invalid("model name %q: want a letter or digit, then letters, digits, '.', '_' or '-' (at most 100)", name)
	}
	return nil
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (s *Server) createModel(_ *Session, q *request) (any, error) {
	name, aerr := q.required("name")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkModelName(name); aerr != nil {
		return nil, aerr
	}
	s.registry()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.modelKnown(name) {
		return nil, errorf(codeAlreadyExists, "Registered Model (name=%s) already exists.", name)
	}
	now := time.Now().UnixMilli()
	s.reg.created[name] = now
	return map[string]any{"registered_model": map[string]any{"name": name, "creation_timestamp": now, "last_updated_timestamp": now}}, nil
}

// versions returns every version of name, git's then this run's, with
// their stages as git says; s.mu is held.
func (s *Server) versions(name string) []versionJSON {
	var out []versionJSON
	if m := s.registry().Model(name); m != nil {
		for _, v := range m.Versions {
			out = append(out, s.gitVersionJSON(v))
		}
	}
	for _, nv := range s.reg.versions[name] {
		out = append(out, nv.json())
	}
	return out
}

// latest returns the highest version of name in each stage asked for (all
// stages when none is); s.mu is held.
func (s *Server) latest(name string, stages []string) ([]versionJSON, *apiError) {
	want := map[string]bool{}
	for _, st := range stages {
		canon, err := registry.ParseStage(st)
		if err != nil {
			return nil, invalid("%v", err)
		}
		want[string(canon)] = true
	}
	best := map[string]versionJSON{}
	for _, v := range s.versions(name) {
		if len(want) > 0 && !want[v.Stage] {
			continue
		}
		if b, ok := best[v.Stage]; !ok || atoi(v.Version) > atoi(b.Version) {
			best[v.Stage] = v
		}
	}
	var out []versionJSON
	for _, st := range registry.Stages {
		if v, ok := best[string(st)]; ok {
			out = append(out, v)
		}
	}
	return out, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func (s *Server) getModel(_ *Session, q *request) (any, error) {
	name, aerr := q.required("name")
	if aerr != nil {
		return nil, aerr
	}
	s.registry()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.modelKnown(name) {
		return nil, notFound("Registered Model with name=%s not found", name)
	}
	latest, _ := s.latest(name, nil)
	rm := map[string]any{"name": name}
	var first int64
	for _, v := range s.versions(name) {
		if first == 0 || v.Created < first {
			first = v.Created
		}
	}
	if c, ok := s.reg.created[name]; ok && (first == 0 || c < first) {
		first = c
	}
	rm["creation_timestamp"], rm["last_updated_timestamp"] = first, first
	if len(latest) > 0 {
		rm["latest_versions"] = latest
	}
	if m := s.registry().Model(name); m != nil {
		var aliases []map[string]string
		for _, v := range m.Versions {
			for _, a := range v.Aliases {
				aliases = append(aliases, map[string]string{"alias": a, "version": strconv.Itoa(v.Version)})
			}
		}
		if len(aliases) > 0 {
			rm["aliases"] = aliases
		}
	}
	return map[string]any{"registered_model": rm}, nil
}

func (s *Server) latestVersions(_ *Session, q *request) (any, error) {
	name, aerr := q.required("name")
	if aerr != nil {
		return nil, aerr
	}
	stages, aerr := q.strs("stages")
	if aerr != nil {
		return nil, aerr
	}
	s.registry()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.modelKnown(name) {
		return nil, notFound("Registered Model with name=%s not found", name)
	}
	out, aerr := s.latest(name, stages)
	if aerr != nil {
		return nil, aerr
	}
	resp := map[string]any{}
	if len(out) > 0 {
		resp["model_versions"] = out
	}
	return resp, nil
}

// findVersion returns version number of name: this run's declaration, or
// git's version; s.mu is held.
func (s *Server) findVersion(name, number string) (*newVersion, *registry.Version, *apiError) {
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 {
		return nil, nil, invalid("version %q: want a version number", number)
	}
	for _, nv := range s.reg.versions[name] {
		if nv.number == n {
			return nv, nil, nil
		}
	}
	if v := s.registry().Version(name, n); v != nil {
		return nil, v, nil
	}
	return nil, nil, notFound("Model Version (name=%s, version=%s) not found", name, number)
}

func (s *Server) versionArgs(q *request) (string, string, *apiError) {
	name, aerr := q.required("name")
	if aerr != nil {
		return "", "", aerr
	}
	version, aerr := q.required("version")
	return name, version, aerr
}

func (s *Server) getVersion(_ *Session, q *request) (any, error) {
	name, number, aerr := s.versionArgs(q)
	if aerr != nil {
		return nil, aerr
	}
	s.registry()
	s.mu.RLock()
	defer s.mu.RUnlock()
	nv, v, aerr := s.findVersion(name, number)
	if aerr != nil {
		return nil, aerr
	}
	if nv != nil {
		return map[string]any{"model_version": nv.json()}, nil
	}
	return map[string]any{"model_version": s.gitVersionJSON(v)}, nil
}

func (s *Server) downloadURI(sess *Session, q *request) (any, error) {
	resp, err := s.getVersion(sess, q)
	if err != nil {
		return nil, err
	}
	v := resp.(map[string]any)["model_version"].(versionJSON)
	return map[string]any{"artifact_uri": v.Source}, nil
}

// emptyFS is a tree with nothing in it: the registry of a run without a
// checkout.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
