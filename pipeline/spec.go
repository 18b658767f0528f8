package pipeline

import "time"

// SpecVersion is the version of the mlcd.yaml format this package reads.
const SpecVersion = 1

// FileName is the name of the pipeline file at the root of a repository.
const FileName = "mlcd.yaml"

// Pipeline is a validated mlcd.yaml: the tasks of one DAG and the settings
// that the watcher, the registry and the deployer read.
type Pipeline struct {
	Version  int
	Name     string
	File     string // the file it was read from, for messages
	Schedule string // cron expression; "" when the pipeline is not scheduled
	Timezone string // IANA zone for Schedule; "" means UTC
	OnPaths  []string
	Params   Params
	Defaults Defaults
	Tasks    []*Task // in the order of the file
	Promote  *Promote
	Deploy   Deploy
	Store    string // artifact store URL; "" means the default
	// Executor is the engine every task runs on (docs/scale-out.md);
	// its Type is "" (local) when mlcd.yaml names none.
	Executor Executor
}

// Task returns the task called name, or nil.
func (p *Pipeline) Task(name string) *Task {
	for _, t := range p.Tasks {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Params are the run's parameters: string, int64, float64 or bool values.
type Params map[string]any

// Defaults apply to every task that does not set its own value.
type Defaults struct {
	Retries       int
	RetryDelay    time.Duration
	RetryBackoff  float64 // multiplier between attempts, >= 1
	MaxRetryDelay time.Duration
	Timeout       time.Duration // 0 means no timeout
	// RunsOn are the runner labels of a task's job on a CI engine; nil
	// means DefaultRunsOn.
	RunsOn []string
}

// Built-in defaults, used where mlcd.yaml says nothing.
const (
	DefaultRetryDelay    = 5 * time.Second
	DefaultRetryBackoff  = 2.0
	DefaultMaxRetryDelay = 5 * time.Minute
)

// Task is one node of the DAG: a command and what it needs.
type Task struct {
	Name string
	// Run is the argv. A command written as one string in mlcd.yaml becomes
	// ["sh", "-c", string] and Shell is true.
	Run   []string
	Shell bool
	Needs []string
	Env   map[string]string
	// Secrets are the names of mlcd's own secrets (SecretEnv) that the
	// task receives in its environment; every other task goes without.
	Secrets []string
	// Inputs are globs, relative to the repository root, of the files the
	// task reads; their content is part of the cache key.
	Inputs      []string
	Cache       bool // false: always run
	Retries     int  // resolved: the task's own value or the default
	RetryDelay  time.Duration
	Backoff     float64
	MaxDelay    time.Duration
	Timeout     time.Duration // resolved; 0 means none
	RunsOn      []string      // resolved: the task's runs_on or the default's; nil means DefaultRunsOn
	TriggerRule TriggerRule
	Model       *ModelSpec
	Line        int // line of the task in the file
	// Executor is the pipeline's, with the task's own options on top;
	// Resources is what the task asks of an engine (local runs ignore it).
	Executor  Executor
	Resources Resources
}

// TriggerRule decides whether a task runs given its upstreams' outcomes,
// with Airflow's names and meanings.
type TriggerRule string

const (
	AllSuccess TriggerRule = "all_success" // every upstream succeeded (default)
	AllDone    TriggerRule = "all_done"    // every upstream finished, whatever the outcome
	OneSuccess TriggerRule = "one_success" // at least one upstream succeeded
	OneFailed  TriggerRule = "one_failed"  // at least one upstream failed
	NoneFailed TriggerRule = "none_failed" // no upstream failed (skipped is fine)
)

// TriggerRules lists the valid rules.
var TriggerRules = []TriggerRule{AllSuccess, AllDone, OneSuccess, OneFailed, NoneFailed}

// ModelSpec says which output of a task is a model and how to serve it.
type ModelSpec struct {
	Name string `json:"name"`
	File string `json:"file"` // path inside the task's outputs
	// Flavor is xgboost, lightgbm, sklearn or command; "" or mlflow for an
	// MLflow model folder, whose MLmodel file decides at registration.
	Flavor string `json:"flavor"`
	// Serve is, for the command flavor, the command with {model} and
	// {port}; for sklearn, the method called: predict (default) or
	// predict_proba.
	Serve string `json:"serve,omitempty"`
	// InputExample is an output file (JSON, scoring protocol) used to check a
	// deployed version with a real prediction.
	InputExample string `json:"input_example,omitempty"`
}

// Model flavors.
const (
	FlavorXGBoost  = "xgboost"
	FlavorLightGBM = "lightgbm"
	FlavorCommand  = "command"
	FlavorSklearn  = "sklearn"
	// FlavorMLflow (or no flavor) says the model is an MLflow model folder
	// whose MLmodel file names the flavor, read when the version is
	// registered.
	FlavorMLflow = "mlflow"
)

// Methods of the sklearn flavor, given as serve:.
const (
	SklearnPredict      = "predict"
	SklearnPredictProba = "predict_proba"
)

// Promote is the auto-promotion policy.
type Promote struct {
	Metric   string
	Goal     string // "max" or "min"
	MinDelta float64
	OpenPR   bool
}

// Deploy says where and under which gate versions are served.
type Deploy struct {
	Listen    string // default DefaultListen
	Require   string // approved-pr, merged-pr, merge-commit, none; "" means decided by the remote
	Approvals int    // default 1
	// Ports gives a model a port of its own (model name -> host:port),
	// where it answers at the root like `mlflow models serve`; the others
	// share Listen, under /<model>/ when there are several.
	Ports map[string]string
	// MaxBody is the largest scoring request body in bytes; 0 means the
	// default (32 MiB).
	MaxBody int64
	// MLflowVersion is what GET /version answers; "" means the MLflow
	// release whose protocol mlcd speaks.
	MLflowVersion string
	// Python, Workers, MaxBatch and BatchWait tune the sklearn flavor: the
	// interpreter, worker processes per version (default: the number of
	// cores), rows per predict call and the wait for a batch to fill (nil:
	// the default; 0: no wait).
	Python    string
	Workers   int
	MaxBatch  int
	BatchWait *time.Duration
	// Target is where allowed versions are served: "" or TargetLocal
	// (mlcd serves them) or TargetKubernetes (mlcd commits manifests that
	// serve them, for Argo CD or Flux to apply).
	Target     string
	Kubernetes *Kubernetes // with TargetKubernetes
}

// DefaultListen is the address of the model endpoint, as `mlflow models serve -p 1234`.
const DefaultListen = "127.0.0.1:1234"
