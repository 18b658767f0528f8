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

//go:embed flask_app.py
var flaskApp []byte

type target struct {
	name string
	url  string
}

// bench trains the model, starts both servers, checks they agree, then
// runs the interleaved load and prints the table.
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
	body, model, err := prepare(ctx, dir)
	if err != nil {
		return err
	}
	script, err := writeWrkScript(dir, body)
	if err != nil {
		return err
	}
	nURL, stopNative, err := native(ctx, model, "127.0.0.1:0", log)
	if err != nil {
		return err
	}
	defer stopNative()
	targets := []target{{"native (Go, xgboost flavor)", nURL}}
	if cfg.python {
		pURL, stopPython, err := python(ctx, dir, model)
		if err != nil {
			return err
		}
		defer stopPython()
		targets = append(targets, target{"python (Flask+gunicorn, 1 worker)", pURL})
	}
	if err := agree(ctx, targets, body); err != nil {
		return err
	}
	fmt.Fprintf(out, "request: %d bytes of dataframe_split; %d rounds of %s per cell, interleaved\n",
		len(body), cfg.rounds, cfg.duration)
	results, err := load(ctx, cfg, targets, script, out)
	if err != nil {
		return err
	}
	report(out, cfg, targets, results)
	return nil
}

// prepare writes the scripts and trains the model with Debian's python3.
func prepare(ctx context.Context, dir string) (body []byte, model string, err error) {
	for name, data := range map[string][]byte{"train_bench.py": trainScript, "flask_app.py": flaskApp} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return nil, "", err
		}
	}
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join(dir, "train_bench.py"), dir)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("train the bench model (needs Debian's python3-xgboost): %w\n%s", err, out)
	}
	body, err = os.ReadFile(filepath.Join(dir, "body.json"))
	return body, filepath.Join(dir, "model.json"), err
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
		fmt.Fprintf(out, "c=%d: native/python throughput = %.1fx\n", c, n/p)
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
