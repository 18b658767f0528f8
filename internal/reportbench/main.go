// Command reportbench measures the static report on a generated repository
// (make bench-report): a full build, an incremental build after one new
// run, the peak memory of each, the largest runs page, and the time the
// runs index takes to reach DOMContentLoaded in headless Chromium.
//
// Each build runs in a child process, so its peak RSS (VmHWM) is the
// build's alone.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/reports"
)

// cpuProfile is where a child build writes its CPU profile, or "";
// verbose makes child builds log the time of each step.
var (
	cpuProfile string
	verbose    bool
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reportbench:", err)
		os.Exit(1)
	}
}

// buildResult is what a child build reports.
type buildResult struct {
	Seconds float64
	User    float64 // CPU seconds of the child in user space
	Sys     float64 // and in the kernel
	PeakMiB float64
	Stats   reports.Stats
}

func run() error {
	var (
		s        shape
		dir      string
		build    bool
		floor    bool
		repo     string
		out      string
		keep     bool
		reuse    bool
		chromium string
	)
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the full build to this file")
	flag.BoolVar(&verbose, "v", false, "log the time each build step takes")
	flag.IntVar(&s.Runs, "runs", 10000, "runs to generate")
	flag.IntVar(&s.Tasks, "tasks", 4, "tasks per run")
	flag.IntVar(&s.Metrics, "metrics", 20, "metrics per task, each with a history")
	flag.IntVar(&s.Steps, "steps", 100, "steps per metric history")
	flag.IntVar(&s.Models, "models", 20, "models")
	flag.IntVar(&s.Versions, "versions", 50, "versions per model")
	flag.StringVar(&dir, "dir", "", "work folder (default: a new temporary folder)")
	flag.BoolVar(&keep, "keep", false, "keep the work folder")
	flag.BoolVar(&reuse, "reuse", false, "with -dir and -keep: use the repository a run before generated there")
	flag.StringVar(&chromium, "chromium", "/usr/bin/chromium", "browser for the load-time figure; empty to skip")
	flag.BoolVar(&build, "build", false, "internal: build -repo into -out and print the result as JSON")
	flag.BoolVar(&floor, "floor", false, "internal: write files of the sizes of site -out under -repo, and print the time as JSON")
	flag.StringVar(&repo, "repo", "", "internal: repository for -build")
	flag.StringVar(&out, "out", "", "internal: site for -build")
	flag.Parse()
	if build {
		return childBuild(repo, out)
	}
	if floor {
		return childFloor(out, repo)
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "reportbench-")
		if err != nil {
			return err
		}
		dir = d
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	repo, out = filepath.Join(dir, "repo"), filepath.Join(dir, "site")
	fmt.Printf("generating %d runs x %d tasks x %d metrics x %d steps, %d models x %d versions in %s\n",
		s.Runs, s.Tasks, s.Metrics, s.Steps, s.Models, s.Versions, dir)
	t0 := time.Now()
	if _, err := os.Stat(repo); err == nil && reuse {
		fmt.Println("reusing the repository generated before")
		os.RemoveAll(filepath.Join(repo, filepath.FromSlash(pipeline.RunRelPath("bench", runID(s.Runs)))))
		os.RemoveAll(filepath.Join(repo, filepath.FromSlash(pipeline.HistoryRelPath("bench", runID(s.Runs)))))
	} else if err := generate(repo, s); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	// A site or floor left by an earlier run is moved aside and deleted
	// after the measurements: on ext4 without a journal, creating files
	// in the minutes after tens of thousands were deleted costs several
	// times more (the allocator skips each recently freed inode), and
	// that would be measured as the build's.
	floorDir := filepath.Join(dir, "floor")
	for _, p := range []string{out, floorDir} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		old := p + ".old"
		if err := os.RemoveAll(old); err != nil {
			return err
		}
		if err := os.Rename(p, old); err != nil {
			return err
		}
		defer os.RemoveAll(old)
	}
	size, _ := dirSize(filepath.Join(repo, "runs"))
	fmt.Printf("generated in %.1fs (run records: %.0f MiB)\n", time.Since(t0).Seconds(), float64(size)/(1<<20))
	full, err := spawnBuild(repo, out, cpuProfile)
	if err != nil {
		return err
	}
	report("full build", full, 5, 500)
	// The floor is measured after the full build, not before: it must not
	// warm the machine for it.
	fl, err := spawnFloor(out, floorDir)
	if err != nil {
		return err
	}
	fmt.Printf("kernel floor: writing the same %d files (%.0f MiB) with nothing rendered, and syncing them: %.2fs wall, %.2fs CPU (%.2fs user, %.2fs kernel)\n",
		fl.Files, float64(fl.Bytes)/(1<<20), fl.Seconds, fl.User+fl.Sys, fl.User, fl.Sys)
	if err := writeRun(repo, s.Runs, runID(s.Runs), s, newRand()); err != nil {
		return err
	}
	inc, err := spawnBuild(repo, out, "")
	if err != nil {
		return err
	}
	report("incremental build (one new run)", inc, 0.3, 500)
	if big, name, err := largestPage(filepath.Join(out, "runs")); err == nil {
		fmt.Printf("largest runs page: %s, %.0f KiB (limit 1024 KiB)\n", name, float64(big)/1024)
	}
	if n, err := prefixSize(filepath.Join(out, "runs"), "all-"); err == nil {
		fmt.Printf("runs/all-*.js (every run, loaded by \"all runs\"): %.0f KiB\n", float64(n)/1024)
	}
	if chromium != "" {
		ms, all, err := domContentLoaded(chromium, filepath.Join(out, "runs", "index.html"))
		if err != nil {
			return fmt.Errorf("chromium: %w", err)
		}
		fmt.Printf("runs index DOMContentLoaded in Chromium: %.0f ms (target < 1000 ms); \"all runs\" listed in %.0f ms\n", ms, all)
	}
	return nil
}

func report(what string, r buildResult, targetS, targetMiB float64) {
	fmt.Printf("%s: %.2fs wall, %.2fs CPU (%.2fs user, %.2fs kernel) (target < %gs), peak RSS %.0f MiB (target < %g MiB); %d runs, %d records read, %d files written, %d unchanged\n",
		what, r.Seconds, r.User+r.Sys, r.User, r.Sys, targetS, r.PeakMiB, targetMiB, r.Stats.Runs, r.Stats.Parsed, r.Stats.Written, r.Stats.Skipped)
}

func spawnBuild(repo, out, profile string) (buildResult, error) {
	self, err := os.Executable()
	if err != nil {
		return buildResult{}, err
	}
	cmd := exec.Command(self, "-build", "-repo", repo, "-out", out, "-cpuprofile", profile, "-v="+strconv.FormatBool(verbose))
	cmd.Stderr = os.Stderr
	data, err := cmd.Output()
	if err != nil {
		return buildResult{}, fmt.Errorf("build: %w", err)
	}
	var r buildResult
	if err := json.Unmarshal(data, &r); err != nil {
		return r, err
	}
	r.User, r.Sys = cmd.ProcessState.UserTime().Seconds(), cmd.ProcessState.SystemTime().Seconds()
	return r, nil
}

func childBuild(repo, out string) error {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	b, err := reports.New(reports.Options{Out: out, Logger: log})
	if err != nil {
		return err
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	stats, err := b.Build(context.Background(), repo)
	if err != nil {
		return err
	}
	r := buildResult{Seconds: time.Since(t0).Seconds(), Stats: stats, PeakMiB: peakRSS()}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// peakRSS reads VmHWM from /proc/self/status, in MiB; 0 where there is none.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kib float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kib)
			return kib / 1024
		}
	}
	return 0
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

func largestPage(dir string) (int64, string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, "", err
	}
	var (
		big  int64
		name string
	)
	for _, e := range entries {
		fi, err := e.Info()
		if err == nil && !e.IsDir() && strings.HasSuffix(e.Name(), ".html") && fi.Size() > big {
			big, name = fi.Size(), e.Name()
		}
	}
	if name == "" {
		return 0, "", errors.New("no runs pages")
	}
	return big, name, nil
}

// prefixSize adds up the sizes of the files in dir whose names start with prefix.
func prefixSize(dir, prefix string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && !e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			n += fi.Size()
		}
	}
	return n, nil
}
