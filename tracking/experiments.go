package tracking

import (
	"sort"
	"strconv"
	"time"
)

// experiment is an MLflow experiment. mlcd keeps none: an experiment is a
// name, remembered for the run and written into each MLflow run's record.
type experiment struct {
	ID      string
	Name    string
	Created int64 // ms
	Tags    []keyValue
}

type experiments struct {
	byID   map[string]*experiment
	byName map[string]*experiment
	next   int
	at     int64
}

// defaultExperiment is MLflow's experiment "0", which must always exist.
const defaultExperiment = "Default"

func newExperiments(pipelineName string, now time.Time) *experiments {
	e := &experiments{byID: map[string]*experiment{}, byName: map[string]*experiment{}, at: now.UnixMilli()}
	e.add(defaultExperiment)
	if pipelineName != "" && pipelineName != defaultExperiment {
		e.add(pipelineName)
	}
	return e
}

func (e *experiments) add(name string) *experiment {
	x := &experiment{ID: strconv.Itoa(e.next), Name: name, Created: e.at}
	e.next++
	e.byID[x.ID] = x
	e.byName[name] = x
	return x
}

// experimentJSON is MLflow's Experiment message.
type experimentJSON struct {
	ID             string     `json:"experiment_id"`
	Name           string     `json:"name"`
	Location       string     `json:"artifact_location"`
	LifecycleStage string     `json:"lifecycle_stage"`
	LastUpdate     int64      `json:"last_update_time,omitempty"`
	Created        int64      `json:"creation_time,omitempty"`
	Tags           []keyValue `json:"tags,omitempty"`
}

func (x *experiment) json() experimentJSON {
	return experimentJSON{ID: x.ID, Name: x.Name, Location: "mlflow-artifacts:/" + x.ID, LifecycleStage: "active",
		LastUpdate: x.Created, Created: x.Created, Tags: x.Tags}
}

// findExperiment returns the experiment called name: one of this run, or
// one that a recorded run used (it is then given an id for this run).
func (s *Server) findExperiment(name string) *experiment {
	s.mu.RLock()
	x := s.exps.byName[name]
	s.mu.RUnlock()
	if x != nil {
		return x
	}
	past := s.pastRuns()
	if past == nil || !past.experiments[name] {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if x = s.exps.byName[name]; x == nil {
		x = s.exps.add(name)
	}
	return x
}

func (s *Server) experimentByName(_ *Session, q *request) (any, error) {
	name, err := q.required("experiment_name")
	if err != nil {
		return nil, err
	}
	x := s.findExperiment(name)
	if x == nil {
		return nil, notFound("Could not find experiment with name '%s'", name)
	}
	return map[string]any{"experiment": x.json()}, nil
}

func (s *Server) createExperiment(_ *Session, q *request) (any, error) {
	name, err := q.required("name")
	if err != nil {
		return nil, err
	}
	var tags []keyValue
	if err := q.object("tags", &tags); err != nil {
		return nil, err
	}
	if s.findExperiment(name) != nil {
		return nil, errorf(codeAlreadyExists, "Experiment '%s' already exists.", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exps.byName[name] != nil {
		return nil, errorf(codeAlreadyExists, "Experiment '%s' already exists.", name)
	}
	x := s.exps.add(name)
	x.Tags = tags
	return map[string]any{"experiment_id": x.ID}, nil
}

func (s *Server) getExperiment(_ *Session, q *request) (any, error) {
	id, err := q.required("experiment_id")
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	x := s.exps.byID[id]
	s.mu.RUnlock()
	if x == nil {
		return nil, notFound("No Experiment with id=%s exists", id)
	}
	return map[string]any{"experiment": x.json()}, nil
}

// searchExperiments lists every experiment known to this run (no filter).
func (s *Server) searchExperiments(_ *Session, q *request) (any, error) {
	if f, err := q.str("filter"); err != nil || f != "" {
		if err != nil {
			return nil, err
		}
		return nil, invalid("mlcd's tracking endpoint has no search filters (filter %q); list all and filter in the script", f)
	}
	s.mu.RLock()
	out := make([]experimentJSON, 0, len(s.exps.byID))
	for _, x := range s.exps.byID {
		out = append(out, x.json())
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return len(out[i].ID) < len(out[j].ID) || len(out[i].ID) == len(out[j].ID) && out[i].ID < out[j].ID
	})
	return map[string]any{"experiments": out}, nil
}
