package executor

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Environment variables of the task protocol (docs/task-protocol.md).
const (
	EnvRunID    = "MLCD_RUN_ID"
	EnvPipeline = "MLCD_PIPELINE"
	EnvTask     = "MLCD_TASK"
	EnvAttempt  = "MLCD_ATTEMPT"
	EnvOut      = "MLCD_OUT"
	EnvParams   = "MLCD_PARAMS"
	EnvLogFile  = "MLCD_LOG_FILE"
	envInPrefix = "MLCD_IN_"
	envParamPfx = "MLCD_PARAM_"
)

// EnvName turns a task or param name into the tail of an environment
// variable name: upper case, every other character than A-Z and 0-9 an
// underscore ("train-rf" -> "TRAIN_RF").
func EnvName(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// baseEnv is the environment every task of the run shares: environ
// without mlcd's own secrets, and the run's protocol variables.
func baseEnv(r *pipeline.Run, paramsFile string, environ []string) []string {
	env := pipeline.WithoutSecrets(environ)
	env = append(env, EnvRunID+"="+r.ID, EnvPipeline+"="+r.Pipeline, EnvParams+"="+paramsFile)
	names := make([]string, 0, len(r.Params))
	for k := range r.Params {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		env = append(env, envParamPfx+EnvName(k)+"="+FormatValue(r.Params[k]))
	}
	return env
}

// secretsOf returns mlcd's own secrets (pipeline.SecretEnv) that are set
// in environ, by name.
func secretsOf(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if pipeline.IsSecretEnv(name) && value != "" {
			out[name] = value
		}
	}
	return out
}

// FormatValue writes a param value the way a shell task reads it.
func FormatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// taskEnv is the environment of one attempt: the shared part, the task's
// own env, the secrets its secrets: names, then the per-attempt protocol variables (which win).
func (s *scheduler) taskEnv(ctx context.Context, j job, dirs attemptDirs) ([]string, error) {
	t := j.n.task
	env := make([]string, 0, len(s.baseEnv)+len(t.Env)+len(t.Secrets)+5+len(j.ups))
	env = append(env, s.baseEnv...)
	keys := make([]string, 0, len(t.Env))
	for k := range t.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+t.Env[k])
	}
	for _, k := range t.Secrets {
		if v, ok := s.secrets[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env,
		EnvTask+"="+t.Name,
		EnvAttempt+"="+strconv.Itoa(j.attempt),
		EnvOut+"="+dirs.out,
		EnvLogFile+"="+dirs.mlcdLog,
	)
	for _, u := range j.ups {
		if u.n.rec.Status != pipeline.StatusSuccess {
			continue // all_done and friends: a failed upstream has no outputs
		}
		dir, err := s.upstreamDir(ctx, u)
		if err != nil {
			return nil, err
		}
		env = append(env, envInPrefix+EnvName(u.n.task.Name)+"="+dir)
	}
	return env, nil
}
