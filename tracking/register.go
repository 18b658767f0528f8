package tracking

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// sourceOf resolves a model version's source to the run's artifact path
// it names: runs:/<run>/<path> or mlflow-artifacts:[//host]/<exp>/<run>/artifacts/<path>.
func (s *Server) sourceOf(source string) (artifactPath, *apiError) {
	var p string
	switch {
	case strings.HasPrefix(source, "runs:/"):
		run, rel, _ := strings.Cut(strings.TrimPrefix(source, "runs:/"), "/")
		lr := s.run(run)
		if lr == nil {
			return artifactPath{}, notFound("source %q: Run with id=%s not found in this pipeline run", source, run)
		}
		p = lr.expID + "/" + run + "/artifacts/" + rel
	case strings.HasPrefix(source, "mlflow-artifacts:"):
		p = strings.TrimPrefix(source, "mlflow-artifacts:")
		if rest, ok := strings.CutPrefix(p, "//"); ok { // with a host
			_, p, _ = strings.Cut(rest, "/")
		} else {
			p = strings.TrimPrefix(p, "/")
		}
	default:
		return artifactPath{}, invalid("source %q: want runs:/<run id>/<path> or mlflow-artifacts:/<experiment>/<run id>/artifacts/<path>, a model logged by this task", source)
	}
	ap, err := parseArtifactPath(strings.TrimSuffix(p, "/"), false)
	if err != nil {
		return artifactPath{}, invalid("source %q: %v", source, err)
	}
	if ap.rel == "" {
		return artifactPath{}, invalid("source %q names the run's artifact root, not a model folder", source)
	}
	return ap, nil
}

// createVersion declares the model of the calling task: the folder the
// source names (an MLflow model folder with its MLmodel file) becomes the
// task's model file with an empty flavor, which the registry reads from
// MLmodel when the run is recorded. The number is the one the run will
// get, after the checkout's registry.
func (s *Server) createVersion(sess *Session, q *request) (any, error) {
	name, aerr := q.required("name")
	if aerr != nil {
		return nil, aerr
	}
	source, aerr := q.required("source")
	if aerr != nil {
		return nil, aerr
	}
	runID, aerr := q.str("run_id")
	if aerr != nil {
		return nil, aerr
	}
	if sess == nil {
		return nil, errorf(codePermissionDenied, "registering a version needs the MLFLOW_TRACKING_URI mlcd gives each task")
	}
	var note string
	defer func() { // after the locks are released: a note may wait for the task's output pipe
		if note != "" {
			sess.task.Recorder.Note(note)
		}
	}()
	ap, aerr := s.sourceOf(source)
	if aerr != nil {
		return nil, aerr
	}
	if runID != "" && runID != ap.run {
		return nil, invalid("source %q is in run %s, not in run_id %s", source, ap.run, runID)
	}
	lr, err := s.artifactRun(sess, ap)
	if err != nil {
		return nil, err
	}
	if err := lr.sess.checkModelFolder(name, ap); err != nil {
		return nil, err
	}
	s.registry()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.modelKnown(name) {
		return nil, notFound("Registered Model with name=%s not found", name)
	}
	nv := &newVersion{model: name, number: s.nextNumber(name), source: source, runID: ap.run, sess: lr.sess, created: time.Now().UnixMilli()}
	ss := lr.sess
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.model != "" {
		return nil, invalid("task %s registers model %s already; a task registers one model", ss.task.Name, ss.model)
	}
	spec := &pipeline.ModelSpec{Name: name, File: fileOf(ap)}
	if err := ss.record(Event{Kind: EventModel, Run: ap.run, Model: spec}); err != nil {
		return nil, err
	}
	ss.model = name
	s.reg.versions[name] = append(s.reg.versions[name], nv)
	note = fmt.Sprintf("mlflow: %s version %d is %s of this task; mlcd registers it (stage None) when the run is recorded", name, nv.number, spec.File)
	return map[string]any{"model_version": nv.json()}, nil
}

// nextNumber is the number the next version of name gets; s.mu is held.
func (s *Server) nextNumber(name string) int {
	n := 0
	if m := s.registry().Model(name); m != nil && m.Latest() != nil {
		n = m.Latest().Version
	}
	for _, nv := range s.reg.versions[name] {
		n = max(n, nv.number)
	}
	return n + 1
}

// checkModelFolder holds a registration to what the task may register: a
// folder with an MLmodel file, and no model: block of its own.
func (ss *Session) checkModelFolder(name string, ap artifactPath) *apiError {
	if m := ss.task.Model; m != nil {
		return invalid("task %s declares model %s in mlcd.yaml (model:); a task registers one model: remove the model: block or the register_model call", ss.task.Name, m.Name)
	}
	if aerr := checkModelName(name); aerr != nil {
		return aerr
	}
	root, err := os.OpenRoot(ss.task.OutDir)
	if err != nil {
		return errorf(codeInternal, "artifact root: %v", err)
	}
	defer root.Close()
	if fi, err := fs.Stat(root.FS(), path.Join(fileOf(ap), "MLmodel")); err != nil || !fi.Mode().IsRegular() {
		return invalid("source %s has no MLmodel file: log the model with mlflow.<flavor>.log_model before registering it", ap.rel)
	}
	return nil
}

// stageNote is what a task is told about a stage or alias it asked for.
func stageNote(model, version, what string) string {
	return fmt.Sprintf("mlflow: %s of %s version %s is recorded as a request; it becomes a promotion pull request, and nothing is deployed until the merge gate lets it through", what, model, version)
}

// request records a stage change or alias of version number of name; the
// caller's session asks. Versions this run declared must be the task's
// own.
func (s *Server) request(sess *Session, name, number string, req pipeline.StageRequest) (versionJSON, error) {
	if sess == nil {
		return versionJSON{}, errorf(codePermissionDenied, "stage changes and aliases need the MLFLOW_TRACKING_URI mlcd gives each task")
	}
	s.registry()
	s.mu.RLock()
	nv, v, aerr := s.findVersion(name, number)
	s.mu.RUnlock()
	if aerr != nil {
		return versionJSON{}, aerr
	}
	var out versionJSON
	switch {
	case nv != nil && nv.sess != sess:
		return versionJSON{}, invalid("%s version %s is registered by task %s of this run; only that task can ask for its stage", name, number, nv.sess.task.Name)
	case nv != nil:
		out = nv.json()
	default:
		req.Version = v.Version
		out = s.gitVersionJSON(v)
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if err := sess.record(Event{Kind: EventRequest, Request: &req}); err != nil {
		return versionJSON{}, err
	}
	return out, nil
}

// transitionStage records the stage asked for; the version keeps the stage
// git gives it, and says why in status_message.
func (s *Server) transitionStage(sess *Session, q *request) (any, error) {
	name, number, aerr := s.versionArgs(q)
	if aerr != nil {
		return nil, aerr
	}
	st, aerr := q.required("stage")
	if aerr != nil {
		return nil, aerr
	}
	stage, err := registry.ParseStage(st)
	if err != nil {
		return nil, invalid("%v", err)
	}
	out, err := s.request(sess, name, number, pipeline.StageRequest{Model: name, Stage: string(stage)})
	if err != nil {
		return nil, err
	}
	note := stageNote(name, number, "the move to "+string(stage))
	sess.task.Recorder.Note(note)
	out.StatusMessage = note + "; its stage is " + out.Stage + " until then"
	return map[string]any{"model_version": out}, nil
}

// checkAlias holds an alias to the registry's rule.
func checkAlias(a string) *apiError {
	ok := a != "" && len(a) <= 64 && (a[0] >= 'a' && a[0] <= 'z' || a[0] >= 'A' && a[0] <= 'Z')
	for i := 0; ok && i < len(a); i++ {
		ok = isWordChar(a[i])
	}
	if !ok {
		return invalid("alias %q: want a letter, then letters, digits, '_' or '-' (at most 64)", a)
	}
	if strings.EqualFold(a, "latest") {
		return invalid("alias %q is reserved: it always means the newest version", a)
	}
	if (a[0] == 'v' || a[0] == 'V') && len(a) > 1 {
		if _, err := strconv.Atoi(a[1:]); err == nil {
			return invalid("alias %q is reserved: it looks like a version number", a)
		}
	}
	return nil
}

func (s *Server) setAlias(sess *Session, q *request) (any, error) {
	name, number, aerr := s.versionArgs(q)
	if aerr != nil {
		return nil, aerr
	}
	alias, aerr := q.required("alias")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkAlias(alias); aerr != nil {
		return nil, aerr
	}
	if _, err := s.request(sess, name, number, pipeline.StageRequest{Model: name, Alias: alias}); err != nil {
		return nil, err
	}
	sess.task.Recorder.Note(stageNote(name, number, "alias "+alias))
	return nil, nil
}

// getAlias answers from git: an alias a task asked for is not set yet.
func (s *Server) getAlias(_ *Session, q *request) (any, error) {
	name, aerr := q.required("name")
	if aerr != nil {
		return nil, aerr
	}
	alias, aerr := q.required("alias")
	if aerr != nil {
		return nil, aerr
	}
	m := s.registry().Model(name)
	if m == nil {
		return nil, notFound("Registered Model with name=%s not found", name)
	}
	v := m.Alias(alias)
	if v == nil {
		return nil, notFound("Registered model alias %s not found.", alias)
	}
	return map[string]any{"model_version": s.gitVersionJSON(v)}, nil
}
