package tracking

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Tags MLflow's client sets on a run.
const (
	tagRunName   = "mlflow.runName"
	tagParentRun = "mlflow.parentRunId"
	tagModelHist = "mlflow.log-model.history"
)

// MLflow's limits of a log-batch call and of values.
const (
	maxBatchMetrics = 1000
	maxBatchParams  = 100
	maxBatchTags    = 100
	maxParamValue   = 6000
	maxTagValue     = 5000
)

// liveRun is an MLflow run of this pipeline run. Its fields are guarded
// by sess.mu.
type liveRun struct {
	sess    *Session
	expID   string
	user    string
	info    pipeline.TrackedRun
	params  map[string]string
	tags    map[string]string
	history map[string][]metricJSON
}

type runInfoJSON struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name,omitempty"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id,omitempty"`
	Status         string `json:"status"`
	StartTime      int64  `json:"start_time,omitempty"`
	EndTime        int64  `json:"end_time,omitempty"`
	ArtifactURI    string `json:"artifact_uri"`
	LifecycleStage string `json:"lifecycle_stage"`
}

type runDataJSON struct {
	Metrics []metricJSON `json:"metrics,omitempty"`
	Params  []keyValue   `json:"params,omitempty"`
	Tags    []keyValue   `json:"tags,omitempty"`
}

type runJSON struct {
	Info runInfoJSON `json:"info"`
	Data runDataJSON `json:"data"`
}

type metricJSON struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

func artifactURI(expID, runID string) string {
	return "mlflow-artifacts:/" + expID + "/" + runID + "/artifacts"
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(n int64) time.Time { return time.UnixMilli(n).UTC() }

// infoJSON is r's RunInfo; sess.mu is held.
func (r *liveRun) infoJSON() runInfoJSON {
	return runInfoJSON{RunID: r.info.ID, RunUUID: r.info.ID, RunName: r.info.Name, ExperimentID: r.expID, UserID: r.user,
		Status: r.info.Status, StartTime: ms(r.info.Start), EndTime: ms(r.info.End),
		ArtifactURI: artifactURI(r.expID, r.info.ID), LifecycleStage: "active"}
}

// json is r as MLflow's Run, with the latest value of each metric; sess.mu
// is held.
func (r *liveRun) json() runJSON {
	out := runJSON{Info: r.infoJSON()}
	for _, h := range r.history {
		out.Data.Metrics = append(out.Data.Metrics, h[len(h)-1])
	}
	sort.Slice(out.Data.Metrics, func(i, j int) bool { return out.Data.Metrics[i].Key < out.Data.Metrics[j].Key })
	out.Data.Params = sortedKV(r.params)
	out.Data.Tags = sortedKV(r.tags)
	return out
}

func sortedKV(m map[string]string) []keyValue {
	out := make([]keyValue, 0, len(m))
	for k, v := range m {
		out = append(out, keyValue{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func newRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkKey holds a metric, param or tag name to MLflow's rules: 1 to 250
// characters among letters, digits, '_', '-', '.', ' ' and '/', not
// starting with '/' and without "..".
func checkKey(kind, key string) *apiError {
	if key == "" || len(key) > 250 {
		return invalid("%s name %q must have 1 to 250 characters", kind, key)
	}
	for _, c := range key {
		ok := c == '_' || c == '-' || c == '.' || c == ' ' || c == '/' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !ok {
			return invalid("Invalid %s name: '%s'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).", kind, key)
		}
	}
	if key[0] == '/' || containsDotDot(key) {
		return invalid("Invalid %s name: '%s'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.", kind, key)
	}
	return nil
}

func containsDotDot(key string) bool {
	for i := 0; i+1 < len(key); i++ {
		if key[i] == '.' && key[i+1] == '.' && (i == 0 || key[i-1] == '/') && (i+2 == len(key) || key[i+2] == '/') {
			return true
		}
	}
	return false
}

var runStatuses = map[string]bool{"RUNNING": true, "SCHEDULED": true, "FINISHED": true, "FAILED": true, "KILLED": true}

func (s *Server) createRun(sess *Session, q *request) (any, error) {
	if sess == nil {
		return nil, errorf(codePermissionDenied, "runs/create needs the MLFLOW_TRACKING_URI mlcd gives each task")
	}
	expID, err := q.str("experiment_id")
	if err != nil {
		return nil, err
	}
	if expID == "" {
		expID = "0"
	}
	s.mu.RLock()
	x := s.exps.byID[expID]
	s.mu.RUnlock()
	if x == nil {
		return nil, notFound("No Experiment with id=%s exists", expID)
	}
	var tags []keyValue
	if err := q.object("tags", &tags); err != nil {
		return nil, err
	}
	name, err := q.str("run_name")
	if err != nil {
		return nil, err
	}
	user, err := q.str("user_id")
	if err != nil {
		return nil, err
	}
	start, ok, err := q.int64("start_time")
	if err != nil {
		return nil, err
	}
	if !ok {
		start = time.Now().UnixMilli()
	}
	r := &liveRun{sess: sess, expID: expID, user: user, params: map[string]string{}, tags: map[string]string{}, history: map[string][]metricJSON{}}
	for _, t := range tags {
		if err := checkKey("tag", t.Key); err != nil {
			return nil, err
		}
		r.tags[t.Key] = t.Value
	}
	if name == "" {
		name = r.tags[tagRunName]
	}
	return s.startRun(sess, r, x, name, fromMS(start))
}

// startRun records r and makes it known. Locks: Server.mu is taken before
// a Session's mu, never after.
func (s *Server) startRun(sess *Session, r *liveRun, x *experiment, name string, start time.Time) (any, error) {
	resp, err := sess.startRun(r, x, name, start)
	if err != nil {
		return nil, err
	}
	s.mu.Lock() // after sess.mu is released: s.mu is always taken first
	s.runs[r.info.ID] = r
	s.mu.Unlock()
	return resp, nil
}

func (sess *Session) startRun(r *liveRun, x *experiment, name string, start time.Time) (any, error) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if name == "" {
		name = fmt.Sprintf("%s-%d", sess.task.Name, len(sess.runs)+1)
	}
	r.tags[tagRunName] = name
	id := newRunID()
	r.info = pipeline.TrackedRun{ID: id, Name: name, Experiment: x.Name, Parent: r.tags[tagParentRun],
		Prefix: sess.prefixFor(name), Status: "RUNNING", Start: start, Artifacts: artifactsDir + "/" + id}
	info := r.info
	evs := []Event{{Kind: EventRun, Run: id, Tracked: &info}}
	for _, kv := range sortedKV(r.tags) {
		if recordedTag(kv.Key) {
			evs = append(evs, Event{Kind: EventTag, Run: id, Key: kv.Key, Value: kv.Value})
		}
	}
	if err := sess.record(evs...); err != nil {
		return nil, err
	}
	sess.runs = append(sess.runs, r)
	return map[string]any{"run": r.json()}, nil
}

// prefixFor is the record prefix of a new run called name: none for the
// task's first run, else "<name>/" made unique in the task.
func (ss *Session) prefixFor(name string) string {
	if len(ss.runs) == 0 {
		return ""
	}
	taken := map[string]bool{}
	for _, r := range ss.runs {
		taken[r.info.Prefix] = true
	}
	p := name + "/"
	for n := 2; taken[p]; n++ {
		p = name + "-" + strconv.Itoa(n) + "/"
	}
	return p
}

// recordedTag says whether a tag goes into the task's record: MLflow's own
// system tags (mlflow.*) stay in the run only.
func recordedTag(key string) bool {
	return len(key) < 7 || key[:7] != "mlflow."
}

// run returns the live run of id, for reading.
func (s *Server) run(id string) *liveRun {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.runs[id]
}

// writable returns the live run the request names, which the caller's
// session must own: a run id alone lets nobody write. The caller locks
// r.sess.mu.
func (s *Server) writable(sess *Session, q *request) (*liveRun, error) {
	id, err := q.runID()
	if err != nil {
		return nil, err
	}
	if sess == nil {
		return nil, errorf(codePermissionDenied, "changing run %s needs the MLFLOW_TRACKING_URI mlcd gives each task", id)
	}
	r := s.run(id)
	if r == nil {
		if p := s.pastRun(id); p != nil {
			return nil, errorf(codeInvalidState, "run %s belongs to mlcd run %s, which has ended; it cannot change", id, p.run.ID)
		}
		return nil, notFound("Run with id=%s not found", id)
	}
	if r.sess != sess {
		return nil, errorf(codePermissionDenied, "run %s belongs to task %s (attempt %d), not to this task", id, r.sess.task.Name, r.sess.task.Attempt)
	}
	return r, nil
}

func (s *Server) updateRun(sess *Session, q *request) (any, error) {
	r, err := s.writable(sess, q)
	if err != nil {
		return nil, err
	}
	status, aerr := q.str("status")
	if aerr != nil {
		return nil, aerr
	}
	if status != "" && !runStatuses[status] {
		return nil, invalid("status %q: want RUNNING, SCHEDULED, FINISHED, FAILED or KILLED", status)
	}
	end, hasEnd, aerr := q.int64("end_time")
	if aerr != nil {
		return nil, aerr
	}
	name, aerr := q.str("run_name")
	if aerr != nil {
		return nil, aerr
	}
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	info := r.info
	if status != "" {
		info.Status = status
	}
	if hasEnd {
		info.End = fromMS(end)
	}
	if name != "" {
		info.Name = name
	}
	if err := r.sess.record(Event{Kind: EventRun, Run: info.ID, Tracked: &info}); err != nil {
		return nil, err
	}
	r.info = info
	r.tags[tagRunName] = info.Name
	return map[string]any{"run_info": r.infoJSON()}, nil
}

func (s *Server) getRun(_ *Session, q *request) (any, error) {
	id, err := q.runID()
	if err != nil {
		return nil, err
	}
	if r := s.run(id); r != nil {
		r.sess.mu.Lock()
		defer r.sess.mu.Unlock()
		return map[string]any{"run": r.json()}, nil
	}
	if p := s.pastRun(id); p != nil {
		return map[string]any{"run": s.pastJSON(p)}, nil
	}
	return nil, notFound("Run with id=%s not found", id)
}

// metricOf reads one metric message (log-metric's fields).
func metricOf(q *request) (metricJSON, *apiError) {
	var m metricJSON
	key, err := q.required("key")
	if err != nil {
		return m, err
	}
	v, ok, err := q.float("value")
	if err == nil && !ok {
		err = invalid("Missing value for required parameter 'value'.")
	}
	if err != nil {
		return m, err
	}
	ts, ok, err := q.int64("timestamp")
	if err == nil && !ok {
		err = invalid("Missing value for required parameter 'timestamp'.")
	}
	if err != nil {
		return m, err
	}
	step, _, err := q.int64("step")
	if err != nil {
		return m, err
	}
	m = metricJSON{Key: key, Value: v, Timestamp: ts, Step: step}
	return m, checkMetric(m)
}

func checkMetric(m metricJSON) *apiError {
	if err := checkKey("metric", m.Key); err != nil {
		return err
	}
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		return invalid("metric %s: value %v is not a finite number; mlcd records finite values only", m.Key, m.Value)
	}
	return nil
}

func (s *Server) logMetric(sess *Session, q *request) (any, error) {
	r, err := s.writable(sess, q)
	if err != nil {
		return nil, err
	}
	m, aerr := metricOf(q)
	if aerr != nil {
		return nil, aerr
	}
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	if err := r.sess.record(metricEvent(r.info.ID, m)); err != nil {
		return nil, err
	}
	r.history[m.Key] = append(r.history[m.Key], m)
	return nil, nil
}

func metricEvent(run string, m metricJSON) Event {
	return Event{Kind: EventMetric, Run: run, Key: m.Key, Metric: m.Value, Step: m.Step, Time: fromMS(m.Timestamp)}
}
