// Command servebench measures the scoring server (make bench-serve): the
// native xgboost flavor, and the sklearn flavor (a random forest scored by
// mlcd's Python workers with micro-batching), each against the same model
// behind a Flask app on gunicorn (one sync worker, OMP_NUM_THREADS=1, as
// `mlflow models serve` runs), on loopback, with wrk posting a single-row
// dataframe_split request. Runs are interleaved (mlcd, python, mlcd, ...)
// and each figure is the median of -rounds runs. Before any load, both
// servers must predict the same (for the forest: model.predict's label on
// each of 64 held-out rows, sent as concurrent requests).
//
//	go run ./internal/servebench -duration 10s -conns 8,32 -rounds 3
//
// With -serve MODEL it only serves that xgboost model file on -listen (no
// cobra command needed), for trying the server by hand.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	duration time.Duration
	conns    []int
	models   []string
	workers  int
	rounds   int
	threads  int
	python   bool
	keep     bool
	serve    string
	listen   string
	cpuprof  string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseFlags(os.Args[1:])
	if err == nil {
		err = run(ctx, cfg, os.Stdout)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "servebench: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var (
		cfg    config
		conns  string
		models string
	)
	fs := flag.NewFlagSet("servebench", flag.ContinueOnError)
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each load run")
	fs.StringVar(&conns, "conns", "8,32", "concurrency levels (comma-separated)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "runs per server and concurrency; the median is reported")
	fs.StringVar(&models, "models", "xgboost,sklearn", "the models to measure (comma-separated): xgboost, sklearn")
	fs.IntVar(&cfg.workers, "workers", 1, "sklearn worker processes of mlcd (the peer has one gunicorn worker)")
	fs.IntVar(&cfg.threads, "threads", 2, "wrk's threads (with GOMAXPROCS=1 and -threads 1, server and load generator each keep a core)")
	fs.BoolVar(&cfg.python, "python", true, "also measure the Flask/gunicorn peer")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the work folder (model, request, logs)")
	fs.StringVar(&cfg.serve, "serve", "", "only serve this xgboost model file on -listen")
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:1234", "address for -serve")
	fs.StringVar(&cfg.cpuprof, "cpuprofile", "", "with -serve: write a CPU profile of the server to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	for _, s := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-conns: %q is not a positive number", s)
		}
		cfg.conns = append(cfg.conns, n)
	}
	for _, s := range strings.Split(models, ",") {
		switch m := strings.TrimSpace(s); m {
		case "xgboost", "sklearn":
			cfg.models = append(cfg.models, m)
		default:
			return cfg, fmt.Errorf("-models: %q is not xgboost or sklearn", s)
		}
	}
	if cfg.workers < 1 {
		return cfg, errors.New("-workers must be at least 1")
	}
	if cfg.rounds < 1 {
		return cfg, errors.New("-rounds must be at least 1")
	}
	return cfg, nil
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if cfg.serve != "" {
		url, stop, err := native(ctx, cfg.serve, cfg.listen, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "serving %s on %s (Ctrl-C stops)\n", cfg.serve, url)
		if cfg.cpuprof != "" {
			f, err := os.Create(cfg.cpuprof)
			if err != nil {
				stop()
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				stop()
				return err
			}
			defer pprof.StopCPUProfile()
		}
		<-ctx.Done()
		stop()
		return nil
	}
	return bench(ctx, cfg, out, log)
}
