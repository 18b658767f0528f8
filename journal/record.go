package journal

import (
	"bytes"
	"encoding/json"
	"path"
	"strconv"
	"time"

	"github.com/mlcd-dev/mlcd/layout"
)

// The deployment record: deployments/<model>.yaml in the repository says
// what mlcd serves for a model, since when, and what happened before
// (deploys, rollbacks, refusals by the merge gate, archives, failures).
// mlcd writes it in one canonical form (docs/deployments.md); people read it.
const (
	// RecordDir is the folder of the records in a repository.
	RecordDir = layout.Deployments
	// RecordSchema is the version of the record format.
	RecordSchema = 1
	// MaxHistory is how many events a record keeps; older ones are dropped.
	MaxHistory = 100
)

// Kind is what happened in an Event.
type Kind string

// The kinds of events.
const (
	KindDeploy   Kind = "deploy"   // a version started serving
	KindRollback Kind = "rollback" // a version failed its check; the previous one kept serving
	KindRefusal  Kind = "refusal"  // the merge gate refused a Production change
	KindArchive  Kind = "archive"  // a version was set to Archived after another replaced it
	KindFailure  Kind = "failure"  // a deploy could not be carried out
)

// Kinds lists the valid kinds.
var Kinds = []Kind{KindDeploy, KindRollback, KindRefusal, KindArchive, KindFailure}

// Record is deployments/<model>.yaml.
type Record struct {
	Schema  int
	Model   string
	Current *Served // nil when nothing is served
	History []Event // oldest first, at most MaxHistory
}

// Served is the version a model's endpoint serves.
type Served struct {
	Version int
	Digest  string // the artifact's sha256
	Commit  string // the commit that set the version to Production
	// Target is where it is served: "" for mlcd's own endpoint,
	// TargetKubernetes for manifests Argo CD or Flux apply.
	Target    string
	Manifests string // with TargetKubernetes: the commit of the manifests
	Endpoint  string // host:port, or host:port/<model> when several share a port
	Since     time.Time
	Status    string // "serving", as the deployer says; "committed" for manifests
}

// TargetKubernetes is the Target of a version served by Kubernetes
// manifests that mlcd committed.
const TargetKubernetes = "kubernetes"

// StatusCommitted is the status of a version whose manifests are
// committed: whether the cluster runs them is Argo CD's or Flux's to say.
const StatusCommitted = "committed"

// Event is one entry of a record's history.
type Event struct {
	Time    time.Time
	Kind    Kind
	Version int
	Digest  string
	Commit  string // the commit the event is about
	// Target and Manifests: for a deploy by Kubernetes manifests, as in
	// Served.
	Target    string
	Manifests string
	Reason    string // why, for people; always set for refusals, rollbacks and failures
	PR        int    // the pull request, when one is known
}

// NewRecord returns an empty record for model.
func NewRecord(model string) *Record {
	return &Record{Schema: RecordSchema, Model: model}
}

// Path returns deployments/<model>.yaml.
func Path(model string) string {
	return path.Join(RecordDir, model+".yaml")
}

// Append adds ev at the end of the history and drops the oldest events
// past MaxHistory.
func (r *Record) Append(ev Event) {
	r.History = append(r.History, ev)
	if n := len(r.History) - MaxHistory; n > 0 {
		r.History = append(r.History[:0:0], r.History[n:]...)
	}
}

// Marshal returns the canonical file of r: fixed key order, strings
// double-quoted, times in UTC, the history oldest first. Parse(Marshal(r))
// gives r back.
func Marshal(r *Record) []byte {
	var b bytes.Buffer
	b.Grow(256 + 200*len(r.History))
	kv(&b, "", "schema", strconv.Itoa(r.Schema))
	kv(&b, "", "model", quote(r.Model))
	if c := r.Current; c != nil {
		b.WriteString("current:\n")
		kv(&b, "  ", "version", strconv.Itoa(c.Version))
		optKV(&b, "  ", "digest", c.Digest)
		optKV(&b, "  ", "commit", c.Commit)
		optKV(&b, "  ", "target", c.Target)
		optKV(&b, "  ", "manifests", c.Manifests)
		optKV(&b, "  ", "endpoint", c.Endpoint)
		kv(&b, "  ", "since", quote(formatTime(c.Since)))
		optKV(&b, "  ", "status", c.Status)
	}
	if len(r.History) == 0 {
		b.WriteString("history: []\n")
		return b.Bytes()
	}
	b.WriteString("history:\n")
	for _, ev := range r.History {
		kv(&b, "  - ", "time", quote(formatTime(ev.Time)))
		kv(&b, "    ", "kind", quote(string(ev.Kind)))
		kv(&b, "    ", "version", strconv.Itoa(ev.Version))
		optKV(&b, "    ", "digest", ev.Digest)
		optKV(&b, "    ", "commit", ev.Commit)
		optKV(&b, "    ", "target", ev.Target)
		optKV(&b, "    ", "manifests", ev.Manifests)
		optKV(&b, "    ", "reason", ev.Reason)
		if ev.PR != 0 {
			kv(&b, "    ", "pr", strconv.Itoa(ev.PR))
		}
	}
	return b.Bytes()
}

func kv(b *bytes.Buffer, indent, key, value string) {
	b.WriteString(indent)
	b.WriteString(key)
	b.WriteString(": ")
	b.WriteString(value)
	b.WriteByte('\n')
}

// optKV writes a string key only when it has a value.
func optKV(b *bytes.Buffer, indent, key, value string) {
	if value != "" {
		kv(b, indent, key, quote(value))
	}
}

// quote writes s as a double-quoted scalar: JSON's escapes are YAML's.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
