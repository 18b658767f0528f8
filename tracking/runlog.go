package tracking

import (
	"encoding/json"
	"sort"
	"strconv"
)

func checkParam(kv keyValue) *apiError {
	if err := checkKey("param", kv.Key); err != nil {
		return err
	}
	if len(kv.Value) > maxParamValue {
		return invalid("param %s: value has %d characters, more than %d", kv.Key, len(kv.Value), maxParamValue)
	}
	return nil
}

func checkTag(kv keyValue) *apiError {
	if err := checkKey("tag", kv.Key); err != nil {
		return err
	}
	if len(kv.Value) > maxTagValue {
		return invalid("tag %s: value has %d characters, more than %d", kv.Key, len(kv.Value), maxTagValue)
	}
	return nil
}

// paramChange refuses a new value for a logged param, as MLflow does;
// sess.mu is held.
func (r *liveRun) paramChange(kv keyValue) *apiError {
	if old, ok := r.params[kv.Key]; ok && old != kv.Value {
		return invalid("Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.", kv.Key, old, r.info.ID, kv.Value)
	}
	return nil
}

// keyValueWrite reads a write of one key and value to a run (log-parameter,
// set-tag): the run, and the pair as check accepts it.
func (s *Server) keyValueWrite(sess *Session, q *request, check func(keyValue) *apiError) (*liveRun, keyValue, error) {
	r, err := s.writable(sess, q)
	if err != nil {
		return nil, keyValue{}, err
	}
	key, aerr := q.required("key")
	if aerr != nil {
		return nil, keyValue{}, aerr
	}
	value, aerr := q.str("value")
	if aerr != nil {
		return nil, keyValue{}, aerr
	}
	kv := keyValue{key, value}
	if aerr := check(kv); aerr != nil {
		return nil, keyValue{}, aerr
	}
	return r, kv, nil
}

func (s *Server) logParam(sess *Session, q *request) (any, error) {
	r, kv, err := s.keyValueWrite(sess, q, checkParam)
	if err != nil {
		return nil, err
	}
	key, value := kv.Key, kv.Value
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	if aerr := r.paramChange(kv); aerr != nil {
		return nil, aerr
	}
	if _, ok := r.params[key]; ok {
		return nil, nil
	}
	if err := r.sess.record(Event{Kind: EventParam, Run: r.info.ID, Key: key, Value: value}); err != nil {
		return nil, err
	}
	r.params[key] = value
	return nil, nil
}

func (s *Server) setTag(sess *Session, q *request) (any, error) {
	r, kv, err := s.keyValueWrite(sess, q, checkTag)
	if err != nil {
		return nil, err
	}
	key, value := kv.Key, kv.Value
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	if recordedTag(key) {
		if err := r.sess.record(Event{Kind: EventTag, Run: r.info.ID, Key: key, Value: value}); err != nil {
			return nil, err
		}
	}
	r.tags[key] = value
	return nil, nil
}

// logBatch checks every metric, param and tag first, then records them in
// one write: a batch is recorded whole or not at all.
func (s *Server) logBatch(sess *Session, q *request) (any, error) {
	r, err := s.writable(sess, q)
	if err != nil {
		return nil, err
	}
	var b batch
	for field, v := range map[string]any{"metrics": &b.metrics, "params": &b.params, "tags": &b.tags} {
		if aerr := q.object(field, v); aerr != nil {
			return nil, aerr
		}
	}
	if len(b.metrics) > maxBatchMetrics || len(b.params) > maxBatchParams || len(b.tags) > maxBatchTags {
		return nil, invalid("A batch logging request can contain at most %d metrics, %d params and %d tags; got %d, %d and %d",
			maxBatchMetrics, maxBatchParams, maxBatchTags, len(b.metrics), len(b.params), len(b.tags))
	}
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	evs, aerr := b.events(r)
	if aerr != nil {
		return nil, aerr
	}
	if len(evs) > 0 {
		if err := r.sess.record(evs...); err != nil {
			return nil, err
		}
	}
	for _, m := range b.metrics {
		r.history[m.Key] = append(r.history[m.Key], m)
	}
	for _, p := range b.params {
		r.params[p.Key] = p.Value
	}
	for _, t := range b.tags {
		r.tags[t.Key] = t.Value
	}
	return nil, nil
}

// batch is the content of a log-batch call.
type batch struct {
	metrics      []metricJSON
	params, tags []keyValue
}

// events checks b against run r and returns what it records; sess.mu is
// held.
func (b *batch) events(r *liveRun) ([]Event, *apiError) {
	evs := make([]Event, 0, len(b.metrics)+len(b.params)+len(b.tags))
	for _, m := range b.metrics {
		if aerr := checkMetric(m); aerr != nil {
			return nil, aerr
		}
		evs = append(evs, metricEvent(r.info.ID, m))
	}
	seen := map[string]string{}
	for _, p := range b.params {
		if aerr := checkParam(p); aerr != nil {
			return nil, aerr
		}
		if aerr := r.paramChange(p); aerr != nil {
			return nil, aerr
		}
		if old, dup := seen[p.Key]; dup {
			if old != p.Value {
				return nil, invalid("Duplicate parameter keys have been submitted: '%s'", p.Key)
			}
			continue
		}
		seen[p.Key] = p.Value
		if _, logged := r.params[p.Key]; !logged {
			evs = append(evs, Event{Kind: EventParam, Run: r.info.ID, Key: p.Key, Value: p.Value})
		}
	}
	for _, t := range b.tags {
		if aerr := checkTag(t); aerr != nil {
			return nil, aerr
		}
		if recordedTag(t.Key) {
			evs = append(evs, Event{Kind: EventTag, Run: r.info.ID, Key: t.Key, Value: t.Value})
		}
	}
	return evs, nil
}

// logModel keeps the MLmodel of log_model in the run's
// mlflow.log-model.history tag, as MLflow does; the model's files arrive
// as artifacts and are recorded there.
func (s *Server) logModel(sess *Session, q *request) (any, error) {
	r, err := s.writable(sess, q)
	if err != nil {
		return nil, err
	}
	model, aerr := q.required("model_json")
	if aerr != nil {
		return nil, aerr
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(model), &m); err != nil {
		return nil, invalid("model_json is not a JSON object: %v", err)
	}
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	var hist []any
	_ = json.Unmarshal([]byte(r.tags[tagModelHist]), &hist)
	data, _ := json.Marshal(append(hist, m))
	r.tags[tagModelHist] = string(data)
	return nil, nil
}

// searchRuns lists the pipeline's own MLflow runs, this run's and the
// recorded ones, newest first. There is no filter language.
func (s *Server) searchRuns(_ *Session, q *request) (any, error) {
	if f, err := q.str("filter"); err != nil || f != "" {
		if err != nil {
			return nil, err
		}
		return nil, invalid("mlcd's tracking endpoint has no search filters (filter %q); search without one and filter in the script", f)
	}
	ids, aerr := q.strs("experiment_ids")
	if aerr != nil {
		return nil, aerr
	}
	max, offset, aerr := paging(q, 1000, 50000)
	if aerr != nil {
		return nil, aerr
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []runJSON
	for _, rj := range s.allRuns() {
		if len(want) == 0 || want[rj.Info.ExperimentID] {
			out = append(out, rj)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Info.StartTime > out[j].Info.StartTime })
	resp := map[string]any{}
	if offset < len(out) {
		end := min(offset+max, len(out))
		resp["runs"] = out[offset:end]
		if end < len(out) {
			resp["next_page_token"] = strconv.Itoa(end)
		}
	}
	return resp, nil
}

// paging reads max_results (default def, at most limit) and page_token
// (an offset this server handed out).
func paging(q *request, def, limit int64) (max, offset int, aerr *apiError) {
	n, ok, aerr := q.int64("max_results")
	if aerr != nil {
		return 0, 0, aerr
	}
	if !ok || n == 0 {
		n = def
	}
	if n < 0 || n > limit {
		return 0, 0, invalid("max_results %d: want 1 to %d", n, limit)
	}
	tok, aerr := q.str("page_token")
	if aerr != nil {
		return 0, 0, aerr
	}
	if tok != "" {
		o, err := strconv.Atoi(tok)
		if err != nil || o < 0 {
			return 0, 0, invalid("page_token %q was not handed out by this server", tok)
		}
		offset = o
	}
	return int(n), offset, nil
}

// allRuns is every live and recorded MLflow run of the pipeline.
func (s *Server) allRuns() []runJSON {
	s.mu.RLock()
	live := make([]*liveRun, 0, len(s.runs))
	for _, r := range s.runs {
		live = append(live, r)
	}
	s.mu.RUnlock()
	out := make([]runJSON, 0, len(live))
	for _, r := range live {
		r.sess.mu.Lock()
		out = append(out, r.json())
		r.sess.mu.Unlock()
	}
	if past := s.pastRuns(); past != nil {
		for _, p := range past.order {
			out = append(out, s.pastJSON(p))
		}
	}
	return out
}

func (s *Server) metricHistory(_ *Session, q *request) (any, error) {
	id, aerr := q.runID()
	if aerr != nil {
		return nil, aerr
	}
	key, aerr := q.required("metric_key")
	if aerr != nil {
		return nil, aerr
	}
	max, offset, aerr := paging(q, 1<<30, 1<<30)
	if aerr != nil {
		return nil, aerr
	}
	var hist []metricJSON
	if r := s.run(id); r != nil {
		r.sess.mu.Lock()
		hist = append(hist, r.history[key]...)
		r.sess.mu.Unlock()
	} else if p := s.pastRun(id); p != nil {
		hist = s.pastHistory(p, key)
	} else {
		return nil, notFound("Run with id=%s not found", id)
	}
	resp := map[string]any{}
	if offset < len(hist) {
		end := min(offset+max, len(hist))
		resp["metrics"] = hist[offset:end]
		if end < len(hist) {
			resp["next_page_token"] = strconv.Itoa(end)
		}
	}
	return resp, nil
}

// logInputs accepts the datasets of mlflow.log_input (and autolog) so that
// scripts calling it keep running; datasets are not recorded.
func (s *Server) logInputs(sess *Session, q *request) (any, error) {
	if _, err := s.writable(sess, q); err != nil {
		return nil, err
	}
	return nil, nil
}
