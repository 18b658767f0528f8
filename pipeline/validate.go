package pipeline

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/mlcd-dev/mlcd/internal/yamltree"
	"github.com/robfig/cron/v3"
)

// The rules of names and values in mlcd.yaml. Each check returns an error
// whose text follows "key: " in a message.

var (
	nameRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	taskNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

const maxNameLen = 63

// checkName is the rule for pipeline and model names, which appear in
// paths and URLs.
func checkName(s string) error {
	if len(s) > maxNameLen || !nameRE.MatchString(s) {
		return fmt.Errorf("invalid name %q: use lowercase letters, digits, '.', '_' and '-', start with a letter or digit, at most %d characters", s, maxNameLen)
	}
	return nil
}

// checkTaskName is the rule for task names, which become MLCD_IN_<TASK>.
func checkTaskName(s string) error {
	if len(s) > maxNameLen || !taskNameRE.MatchString(s) {
		return fmt.Errorf("invalid name %q: use letters, digits, '_' and '-', start with a letter or '_', at most %d characters", s, maxNameLen)
	}
	return nil
}

// taskEnvName is the name of the variable that holds a task's outputs for
// the tasks that need it.
func taskEnvName(task string) string {
	return "MLCD_IN_" + strings.ToUpper(strings.ReplaceAll(task, "-", "_"))
}

// checkParamName is the rule for param names, which become MLCD_PARAM_<NAME>.
func checkParamName(s string) error {
	if !envNameRE.MatchString(s) {
		return fmt.Errorf("invalid name %q: use letters, digits and '_', not starting with a digit", s)
	}
	return nil
}

func checkEnvName(s string) error {
	if !envNameRE.MatchString(s) {
		return fmt.Errorf("invalid variable name %q: use letters, digits and '_', not starting with a digit", s)
	}
	if strings.HasPrefix(strings.ToUpper(s), "MLCD_") {
		return fmt.Errorf("%s: names starting with MLCD_ are set by mlcd (the task protocol)", s)
	}
	return nil
}

// checkCron accepts the standard 5-field cron syntax and the descriptors
// (@hourly, @daily, @every 10m, ...). The zone goes in timezone:.
func checkCron(s string) error {
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return fmt.Errorf("invalid cron expression %q: set the zone with the timezone: key", s)
	}
	if _, err := cron.ParseStandard(s); err != nil {
		return fmt.Errorf("invalid cron expression %q: %v", s, err)
	}
	if every, ok := strings.CutPrefix(s, "@every "); ok {
		if d, err := time.ParseDuration(every); err != nil || d <= 0 {
			return fmt.Errorf("invalid cron expression %q: @every needs a positive duration", s)
		}
	}
	return nil
}

func checkTimezone(s string) error {
	if s == "" || strings.EqualFold(s, "local") {
		return fmt.Errorf("invalid time zone %q: use an IANA name such as Europe/Berlin or UTC", s)
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin or UTC", s)
	}
	return nil
}

// parseDuration reads Go duration syntax; negative values are refused.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use Go syntax such as 90s, 10m or 1h30m", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative, got %s", s)
	}
	return d, nil
}

// checkOutputPath is the rule for model files: a relative path that stays
// inside the task's outputs.
func checkOutputPath(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case strings.HasPrefix(s, "/") || strings.Contains(s, `\`):
		return fmt.Errorf("%q must be a relative path with '/' inside the task's outputs", s)
	case path.Clean(s) != s || s == "." || s == ".." || strings.HasPrefix(s, "../"):
		return fmt.Errorf("%q must be a clean relative path inside the task's outputs (no '..', '.', or '//')", s)
	}
	return nil
}

// flavors are the values of model.flavor.
var flavors = []string{FlavorXGBoost, FlavorLightGBM, FlavorSklearn, FlavorCommand, FlavorMLflow}

func checkFlavor(s string) error {
	if s == "" || slices.Contains(flavors, s) {
		return nil
	}
	return fmt.Errorf("unknown flavor %q%s: one of %s", s, didYouMean(s, flavors), strings.Join(flavors, ", "))
}

func checkServe(s string) error {
	for _, ph := range []string{"{model}", "{port}"} {
		if !strings.Contains(s, ph) {
			return fmt.Errorf("must contain %s (the command is run with it replaced)", ph)
		}
	}
	return nil
}

func checkTriggerRule(s string) error {
	names := make([]string, len(TriggerRules))
	for i, r := range TriggerRules {
		if string(r) == s {
			return nil
		}
		names[i] = string(r)
	}
	return fmt.Errorf("unknown rule %q%s: one of %s", s, didYouMean(s, names), strings.Join(names, ", "))
}

// checkListen accepts host:port with a numeric port.
func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("invalid address %q: use host:port such as 127.0.0.1:1234", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid port %q in %q: use a number from 0 to 65535", port, s)
	}
	_ = host // any host, including "" for every interface
	return nil
}

var requireModes = []string{"approved-pr", "merged-pr", "merge-commit", "none"}

func checkRequire(s string) error {
	if s == "" || contains(requireModes, s) {
		return nil
	}
	return fmt.Errorf("unknown gate %q%s: one of %s", s, didYouMean(s, requireModes), strings.Join(requireModes, ", "))
}

// checkStore accepts a file:// URL or a plain path.
func checkStore(s string) error {
	if s == "" {
		return errors.New("must not be empty (leave it out for the default)")
	}
	scheme, _, found := strings.Cut(s, "://")
	if !found {
		return nil // a plain path
	}
	switch scheme {
	case "file":
		u, err := url.Parse(s)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return fmt.Errorf("invalid file URL %q: use file:///absolute/path", s)
		}
		return nil
	case "s3", "gs", "azblob":
		return fmt.Errorf("%s:// stores are not supported yet: use a file:// URL or a path", scheme)
	}
	return fmt.Errorf("unknown store scheme %q: use a file:// URL or a path", scheme)
}

func checkGoal(s string) error {
	if s == "max" || s == "min" {
		return nil
	}
	return fmt.Errorf("unknown goal %q: max or min", s)
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// word, or "" when none is close: a third of the word's length, one to
// three edits.
func didYouMean(word string, candidates []string) string {
	return yamltree.Suggest(word, candidates, max(1, min(3, len(word)/3)))
}

// The keys each mapping of mlcd.yaml accepts.
var (
	topKeys     = []string{"version", "pipeline", "schedule", "timezone", "on", "defaults", "params", "tasks", "promote", "deploy", "store", "executor"}
	onKeys      = []string{"paths"}
	knobKeys    = []string{"retries", "retry_delay", "retry_backoff", "max_retry_delay", "timeout", "runs_on"}
	taskKeys    = append([]string{"needs", "run", "env", "secrets", "inputs", "cache", "trigger_rule", "model", "executor", "cpus", "memory", "gpus"}, knobKeys...)
	modelKeys   = []string{"name", "file", "flavor", "serve", "input_example"}
	promoteKeys = []string{"metric", "goal", "min_delta", "open_pr"}
	deployKeys  = []string{"listen", "require", "approvals", "ports", "max_body", "mlflow_version",
		"python", "workers", "max_batch", "batch_wait", "target", "kubernetes"}
)

func builtinDefaults() Defaults {
	return Defaults{RetryDelay: DefaultRetryDelay, RetryBackoff: DefaultRetryBackoff, MaxRetryDelay: DefaultMaxRetryDelay}
}

// pipeline reads the top-level mapping.
func (p *parser) pipeline(body ast.Node) *Pipeline {
	top := p.resolve(body)
	if _, ok := top.(*ast.MappingNode); !ok {
		if top != nil {
			p.errorf(top, "the top level must be a mapping of settings, got %s", kind(top))
		}
		return nil
	}
	fields, _ := p.mapping(top, "", "", nil)
	for _, f := range fields {
		if !contains(topKeys, f.key) && !strings.HasPrefix(f.key, "x-") {
			p.errorf(f.node, "unknown key %q%s", f.key, didYouMean(f.key, topKeys))
		}
	}
	pl := &Pipeline{
		Version:  SpecVersion,
		File:     p.file,
		Defaults: builtinDefaults(),
		Deploy:   Deploy{Listen: DefaultListen, Approvals: 1},
	}
	for _, f := range fields {
		p.setting(pl, f)
	}
	for _, key := range []string{"pipeline", "tasks"} {
		if _, ok := lookup(fields, key); !ok {
			p.errorf(top, "missing required key %q", key)
		}
	}
	if f, ok := lookup(fields, "tasks"); ok {
		pl.Tasks = p.tasks(f, pl.Defaults)
		p.checkGraph(pl.Tasks)
		p.resolveExecutors(pl)
	}
	p.checkPorts(pl)
	return pl
}

// setting reads one top-level key other than tasks.
func (p *parser) setting(pl *Pipeline, f field) {
	switch f.key {
	case "version":
		if v, ok := p.integer(f, "version"); ok && v != SpecVersion {
			p.errorf(f.value, "version: unsupported version %d; this mlcd reads version %d", v, SpecVersion)
		}
	case "pipeline":
		pl.Name, _ = p.checked(f, "pipeline", checkName)
	case "schedule":
		pl.Schedule, _ = p.checked(f, "schedule", checkCron)
	case "timezone":
		pl.Timezone, _ = p.checked(f, "timezone", checkTimezone)
	case "on":
		if fields, ok := p.mapping(f.value, "on", "in on", onKeys); ok {
			if paths, ok := lookup(fields, "paths"); ok {
				pl.OnPaths, _ = p.strList(paths, "on.paths", ValidGlob)
			}
		}
	case "defaults":
		if fields, ok := p.mapping(f.value, "defaults", "in defaults", knobKeys); ok {
			pl.Defaults = p.knobs(fields, "defaults.", pl.Defaults)
		}
	case "params":
		pl.Params = p.params(f)
	case "promote":
		pl.Promote = p.promote(f)
	case "deploy":
		p.deploy(f, &pl.Deploy)
	case "store":
		pl.Store, _ = p.checked(f, "store", checkStore)
	case "executor":
		pl.Executor = p.executor(f, "executor", Executor{})
	}
}

// checked reads a string and applies check to it.
func (p *parser) checked(f field, label string, check func(string) error) (string, bool) {
	s, ok := p.str(f, label)
	if !ok {
		return "", false
	}
	if err := check(s); err != nil {
		p.errorf(valueNode(f), "%s: %v", label, err)
		return "", false
	}
	return s, true
}

// duration reads a Go duration string; a bare 0 is accepted too.
func (p *parser) duration(f field, label string) (time.Duration, bool) {
	var s string
	switch v := p.resolve(f.value).(type) {
	case *ast.IntegerNode:
		if v.Token.Value == "0" {
			return 0, true
		}
		p.errorf(v, "%s: must be a duration such as 90s, 10m or 1h30m, got integer %s (add the unit)", label, v.Token.Value)
		return 0, false
	case *ast.StringNode:
		s = v.Value
	case nil:
		return 0, false
	default:
		p.errorf(valueNode(f), "%s: must be a duration such as 90s, 10m or 1h30m, got %s", label, kind(v))
		return 0, false
	}
	d, err := parseDuration(s)
	if err != nil {
		p.errorf(valueNode(f), "%s: %v", label, err)
		return 0, false
	}
	return d, true
}

// knobs reads the retry and timeout keys over the values in d.
func (p *parser) knobs(fields []field, prefix string, d Defaults) Defaults {
	for _, f := range fields {
		label := prefix + f.key
		switch f.key {
		case "retries":
			if n, ok := p.integer(f, label); ok && n < 0 {
				p.errorf(f.value, "%s: must be 0 or more, got %d", label, n)
			} else if ok {
				d.Retries = n
			}
		case "retry_backoff":
			if x, ok := p.number(f, label); ok && x < 1 {
				p.errorf(f.value, "%s: must be at least 1, got %v", label, x)
			} else if ok {
				d.RetryBackoff = x
			}
		case "retry_delay":
			d.RetryDelay = p.durationOr(f, label, d.RetryDelay)
		case "max_retry_delay":
			d.MaxRetryDelay = p.durationOr(f, label, d.MaxRetryDelay)
		case "timeout":
			d.Timeout = p.durationOr(f, label, d.Timeout)
		case "runs_on":
			if labels, ok := p.runsOn(f, label); ok {
				d.RunsOn = labels
			}
		}
	}
	return d
}

func (p *parser) durationOr(f field, label string, def time.Duration) time.Duration {
	if d, ok := p.duration(f, label); ok {
		return d
	}
	return def
}

// params reads the params mapping: scalar values only.
func (p *parser) params(f field) Params {
	fields, ok := p.mapping(f.value, "params", "in params", nil)
	if !ok || len(fields) == 0 {
		return nil
	}
	out := make(Params, len(fields))
	for _, pf := range fields {
		if err := checkParamName(pf.key); err != nil {
			p.errorf(pf.node, "params: %v", err)
			continue
		}
		r := p.resolve(pf.value)
		v, ok := scalarValue(r)
		if n, isInt := r.(*ast.IntegerNode); isInt && !ok {
			p.errorf(n, "params.%s: %s is out of range for a 64-bit integer", pf.key, n.Token.Value)
			continue
		}
		if !ok {
			if r != nil {
				p.errorf(valueNode(pf), "params.%s: must be a string, a finite number or a boolean, got %s", pf.key, kind(r))
			}
			continue
		}
		out[pf.key] = v
	}
	return out
}

func (p *parser) promote(f field) *Promote {
	fields, ok := p.mapping(f.value, "promote", "in promote", promoteKeys)
	if !ok {
		return nil
	}
	pr := &Promote{Goal: "max"}
	for _, pf := range fields {
		label := "promote." + pf.key
		switch pf.key {
		case "metric":
			pr.Metric, _ = p.checked(pf, label, checkMetric)
		case "goal":
			pr.Goal, _ = p.checked(pf, label, checkGoal)
		case "min_delta":
			if x, ok := p.number(pf, label); ok && x < 0 {
				p.errorf(pf.value, "%s: must be 0 or more, got %v", label, x)
			} else if ok {
				pr.MinDelta = x
			}
		case "open_pr":
			pr.OpenPR, _ = p.boolean(pf, label)
		}
	}
	if _, ok := lookup(fields, "metric"); !ok {
		p.errorf(f.node, `promote: missing required key "metric" (the metric that decides which version is better)`)
	}
	return pr
}

func checkMetric(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func (p *parser) deploy(f field, d *Deploy) {
	fields, _ := p.mapping(f.value, "deploy", "in deploy", deployKeys)
	for _, df := range fields {
		label := "deploy." + df.key
		switch df.key {
		case "listen":
			if s, ok := p.checked(df, label, checkListen); ok {
				d.Listen = s
			}
		case "require":
			d.Require, _ = p.checked(df, label, checkRequire)
		case "approvals":
			if n, ok := p.integer(df, label); ok && n < 0 {
				p.errorf(df.value, "%s: must be 0 or more, got %d", label, n)
			} else if ok {
				d.Approvals = n
			}
		case "ports":
			p.deployPorts(df, d)
		case "target":
			if s, ok := p.checked(df, label, checkTarget); ok {
				d.Target = s
			}
		case "kubernetes":
			d.Kubernetes = p.kubernetes(df)
		default:
			p.deployServing(df, label, d)
		}
	}
	p.deployTarget(d, fields)
}

// deployServing reads the settings of the flavors mlcd serves itself.
func (p *parser) deployServing(df field, label string, d *Deploy) {
	switch df.key {
	case "max_body":
		d.MaxBody, _ = p.size(df, label)
	case "mlflow_version":
		d.MLflowVersion, _ = p.checked(df, label, checkMLflowVersion)
	case "python":
		d.Python, _ = p.checked(df, label, checkInterpreter)
	case "workers":
		d.Workers = p.bounded(df, label, 1024)
	case "max_batch":
		d.MaxBatch = p.bounded(df, label, 1<<20)
	case "batch_wait":
		if w, ok := p.duration(df, label); ok && w > time.Second {
			p.errorf(df.value, "%s: at most 1s (it adds to a request's latency), got %s", label, w)
		} else if ok {
			d.BatchWait = &w
		}
	}
}

// bounded reads an integer from 1 to most; 0 (the default) on error.
func (p *parser) bounded(f field, label string, most int) int {
	n, ok := p.integer(f, label)
	if ok && (n < 1 || n > most) {
		p.errorf(f.value, "%s: must be from 1 to %d, got %d", label, most, n)
		return 0
	}
	return n
}

func checkInterpreter(s string) error {
	if strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\x00\n") {
		return errors.New("must be an interpreter: a name on PATH or a path")
	}
	return nil
}

// deployPorts reads deploy.ports: model name -> the host:port it alone
// answers on.
func (p *parser) deployPorts(f field, d *Deploy) {
	fields, ok := p.mapping(f.value, "deploy.ports", "in deploy.ports", nil)
	if !ok || len(fields) == 0 {
		return
	}
	d.Ports = map[string]string{}
	for _, pf := range fields {
		label := "deploy.ports." + pf.key
		if err := checkName(pf.key); err != nil {
			p.errorf(pf.node, "deploy.ports: model name %q: %v", pf.key, err)
			continue
		}
		if s, ok := p.checked(pf, label, checkListen); ok {
			d.Ports[pf.key] = s
			p.ports = append(p.ports, pf)
		}
	}
}

// checkPorts holds deploy.ports to the models the tasks register and to
// addresses of their own.
func (p *parser) checkPorts(pl *Pipeline) {
	models := map[string]bool{}
	var names []string
	for _, t := range pl.Tasks {
		if t.Model != nil && !models[t.Model.Name] {
			models[t.Model.Name] = true
			names = append(names, t.Model.Name)
		}
	}
	used := map[string]string{pl.Deploy.Listen: "deploy.listen"}
	for _, pf := range p.ports {
		addr := pl.Deploy.Ports[pf.key]
		if !models[pf.key] {
			p.errorf(pf.node, "deploy.ports: no task registers model %q%s", pf.key, didYouMean(pf.key, names))
		}
		if other, taken := used[addr]; taken {
			p.errorf(pf.value, "deploy.ports.%s: %s is already %s; give each model a port of its own", pf.key, addr, other)
			continue
		}
		used[addr] = "deploy.ports." + pf.key
	}
}
