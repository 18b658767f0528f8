package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"
)

//go:embed train_bench.py
var trainScript []byte

//go:embed train_sklearn.py
var trainSklearn []byte

//go:embed flask_app.py
var flaskApp []byte

type target struct {
	name string
	url  string
}

// group is one model served by mlcd and by the Python peer, measured
// against each other.
type group struct {
	title   string
	body    []byte   // the single-row request wrk posts
	targets []target // mlcd first, then the peer
	stop    []func()
}

func (g *group) close() {
	for _, f := range slices.Backward(g.stop) {
		f()
	}
}

// bench writes the scripts, then for each model kind of cfg trains the
// model, starts both servers, checks their predictions, runs the
// interleaved load and prints the table.
func bench(ctx context.Context, cfg config, out io.Writer, log *slog.Logger) error {
	dir, err := os.MkdirTemp("", "servebench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Fprintf(out, "work folder: %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	for name, data := range map[string][]byte{"train_bench.py": trainScript, "train_sklearn.py": trainSklearn, "flask_app.py": flaskApp} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	for _, kind := range cfg.models {
		start := xgboostGroup
		if kind == "sklearn" {
			start = sklearnGroup
		}
		g, err := start(ctx, cfg, dir, log)
		if err != nil {
			return err
		}
		err = measure(ctx, cfg, g, dir, out)
		g.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// measure runs the load on g's servers and prints its table.
func measure(ctx context.Context, cfg config, g *group, dir string, out io.Writer) error {
	script, err := writeWrkScript(dir, g.body)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s\nrequest: %d bytes of dataframe_split; %d rounds of %s per cell, interleaved\n",
		g.title, len(g.body), cfg.rounds, cfg.duration)
	results, err := load(ctx, cfg, g.targets, script, out)
	if err != nil {
		return err
	}
	report(out, cfg, g.targets, results)
	return nil
}

// xgboostGroup trains the XGBoost model and serves it natively and by the
// peer; both must predict the same.
func xgboostGroup(ctx context.Context, cfg config, dir string, log *slog.Logger) (*group, error) {
	if err := train(ctx, dir, "train_bench.py"); err != nil {
		return nil, err
	}
	model := filepath.Join(dir, "model.json")
	body, err := os.ReadFile(filepath.Join(dir, "body.json"))
	if err != nil {
		return nil, err
	}
	g := &group{title: "XGBoost, 100 trees of depth 6, 10 features", body: body}
	nURL, stopNative, err := native(ctx, model, "127.0.0.1:0", log)
	if err != nil {
		return nil, err
	}
	g.stop = append(g.stop, stopNative)
	g.targets = append(g.targets, target{"native (Go, xgboost flavor)", nURL})
	if err := g.addPeer(ctx, cfg, dir, model); err != nil {
		g.close()
		return nil, err
	}
	if err := agree(ctx, g.targets, body); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// addPeer starts the Flask/gunicorn server on model unless cfg says not.
func (g *group) addPeer(ctx context.Context, cfg config, dir, model string) error {
	if !cfg.python {
		return nil
	}
	pURL, stopPython, err := python(ctx, dir, model)
	if err != nil {
		return err
	}
	g.stop = append(g.stop, stopPython)
	g.targets = append(g.targets, target{"python (Flask+gunicorn, 1 worker)", pURL})
	return nil
}

// train runs one of the training scripts with Debian's python3.
func train(ctx context.Context, dir, script string) error {
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join(dir, script), dir)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("train the bench model (needs Debian's python3-xgboost, python3-sklearn, python3-pandas): %w\n%s", err, out)
	}
	return nil
}

// agree checks that every server answers the request with the same
// prediction (to 1e-6) before any speed is compared.
func agree(ctx context.Context, targets []target, body []byte) error {
	var first float64
	for i, t := range targets {
		resp, err := score(ctx, t.url, body)
		if err != nil {
			return err
		}
		var v struct{ Predictions []float64 }
		if err := json.Unmarshal([]byte(resp), &v); err != nil || len(v.Predictions) != 1 {
			return fmt.Errorf("%s answered %s", t.name, resp)
		}
		if i == 0 {
			first = v.Predictions[0]
		} else if math.Abs(v.Predictions[0]-first) > 1e-6 {
			return fmt.Errorf("%s predicts %v, %s %v", t.name, v.Predictions[0], targets[0].name, first)
		}
	}
	return nil
}

// load runs every (round, conns, target) cell, interleaving targets.
func load(ctx context.Context, cfg config, targets []target, script string, out io.Writer) (map[cell][]result, error) {
	results := map[cell][]result{}
	for round := 1; round <= cfg.rounds; round++ {
		for _, c := range cfg.conns {
			for ti, t := range targets {
				r, err := runWrk(ctx, t.url+"/invocations", script, c, cfg.threads, cfg.duration)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(out, "  round %d c=%-3d %-36s %9.0f req/s  p50 %-9v p99 %-9v non-2xx %d, socket errors %d\n",
					round, c, t.name, r.RPS, r.P50, r.P99, r.Non2xx, r.Errors)
				results[cell{ti, c}] = append(results[cell{ti, c}], r)
				if err := pause(ctx, time.Second); err != nil {
					return nil, err
				}
			}
		}
	}
	return results, nil
}

type cell struct{ target, conns int }

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// report prints the medians and the native/python throughput ratio.
func report(out io.Writer, cfg config, targets []target, results map[cell][]result) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "server\tconns\treq/s\tp50\tp99\tfailed\t")
	for _, c := range cfg.conns {
		for ti, t := range targets {
			rs := results[cell{ti, c}]
			fmt.Fprintf(w, "%s\t%d\t%.0f\t%v\t%v\t%d\t\n", t.name, c, median(rs, func(r result) float64 { return r.RPS }),
				time.Duration(median(rs, func(r result) float64 { return float64(r.P50) })).Round(time.Microsecond),
				time.Duration(median(rs, func(r result) float64 { return float64(r.P99) })).Round(time.Microsecond),
				sum(rs, func(r result) int { return r.Non2xx + r.Errors }))
		}
	}
	w.Flush()
	if len(targets) < 2 {
		return
	}
	for _, c := range cfg.conns {
		n := median(results[cell{0, c}], func(r result) float64 { return r.RPS })
		p := median(results[cell{1, c}], func(r result) float64 { return r.RPS })
		fmt.Fprintf(out, "c=%d: mlcd/python throughput = %.1fx\n", c, n/p)
	}
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func sum(rs []result, f func(result) int) int {
	n := 0
	for _, r := range rs {
		n += f(r)
	}
	return n
}
