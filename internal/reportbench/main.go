// Command reportbench measures the static report on a generated repository
// (make bench-report): a full build, an incremental build after one new
// run, the peak memory of each, the largest page (it fails when a page is
// over 1 MiB), and the time the runs index and the charts page take to
// become interactive in headless Chromium.
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
	"runtime"
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
	// Everything this run deletes goes at the end, after the
	// measurements. On ext4 without a journal (this project's CI VM
	// mounts its disk so) the kernel will not reuse an inode freed in
	// the last 60 s, or 300 s more while its inode table block is dirty
	// (recently_deleted in fs/ext4/ialloc.c): each new file scans past
	// all of them. perf shows it: a site created minutes after a run
	// deleted 40,000 files spends a fifth of its kernel samples in
	// recently_deleted and find_inode_bit, and the kernel floor below
	// then takes 4-6 s instead of 0.7 s. Deleting the last run's site
	// just before the build would bill that to the build.
	var trash []string
	defer func() {
		if !keep {
			trash = append(trash, dir)
		}
		for _, p := range trash {
			os.RemoveAll(p)
		}
	}()
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
	// after the measurements.
	floorDir := filepath.Join(dir, "floor")
	for _, p := range []string{out, floorDir} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		old := fmt.Sprintf("%s.old-%d", p, time.Now().UnixNano())
		if err := os.Rename(p, old); err != nil {
			return err
		}
	}
	// These, and any a killed run left.
	olds, _ := filepath.Glob(filepath.Join(dir, "*.old-*"))
	trash = append(trash, olds...)
	size, _ := dirSize(filepath.Join(repo, "runs"))
	fmt.Printf("generated in %.1fs (run records: %.0f MiB)\n", time.Since(t0).Seconds(), float64(size)/(1<<20))
	// A user's records are on disk long before the report is built: the
	// generator's writes are flushed now, not billed to the full build
	// (on this 2-core VM that writeback added 1 to 2 s to it).
	if err := syncFS(dir); err != nil {
		return fmt.Errorf("flush the generated repository: %w", err)
	}
	// The full build measured is the honest case: an empty site folder
	// (an earlier one was moved aside above), from records written just
	// before and flushed, so in the page cache as after a clone.
	fmt.Println("full build: into an empty site folder, from the records just generated (flushed to disk, in the page cache)")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil && len(strings.Fields(string(load))) >= 3 {
		// Other work on the machine stretches wall times, not CPU seconds.
		fmt.Printf("load average before it: %s (compare CPU seconds when it is above the cores, %d)\n", strings.Join(strings.Fields(string(load))[:3], " "), runtime.NumCPU())
	}
	if err := memoryBuild(repo); err != nil {
		return err
	}
	full, err := spawnBuild(repo, out, cpuProfile)
	if err != nil {
		return err
	}
	report("full build, site on disk", full, 5, 500)
	if files, size, err := treeSize(out); err == nil {
		fmt.Printf("site after the full build: %d files, %.0f MiB\n", files, float64(size)/(1<<20))
	}
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
	big, name, over, err := largestPage(out)
	if err != nil {
		return err
	}
	fmt.Printf("largest page: %s, %.0f KiB (limit 1024 KiB); %d pages over the limit\n", name, float64(big)/1024, over)
	if n, err := prefixSize(filepath.Join(out, "runs"), "all-"); err == nil {
		fmt.Printf("runs/all-*.js (every run, loaded by \"all runs\"): %.0f KiB\n", float64(n)/1024)
	}
	if chromium != "" {
		runs, all, charts, redraw, err := browserFigures(chromium, out)
		if err != nil {
			return fmt.Errorf("chromium: %w", err)
		}
		fmt.Printf("runs index interactive (DOMContentLoaded, its script run) in Chromium: %.0f ms (target < 1000 ms); \"all runs\" listed in %.0f ms\n", runs, all)
		fmt.Printf("charts page interactive in Chromium: %.0f ms; another metric drawn in %.0f ms\n", charts, redraw)
		cmp, err := compareFigure(chromium, out, "bench/"+runID(0), "bench/"+runID(s.Runs))
		if err != nil {
			return fmt.Errorf("chromium: %w", err)
		}
		fmt.Printf("compare page of the first and the last run (two data chunks) drawn in Chromium: %.0f ms\n", cmp)
	}
	if over > 0 {
		return fmt.Errorf("%d pages over 1 MiB, the largest %s", over, name)
	}
	return nil
}

// memoryBuild measures the full build with the site in memory: mlcd's own
// work, apart from what this disk's state adds (as Hugo's
// --renderToMemory measures a build). Deleting it after costs the disk
// nothing. Without /dev/shm it measures nothing.
func memoryBuild(repo string) error {
	shm, err := os.MkdirTemp("/dev/shm", "reportbench-")
	if err != nil {
		return nil
	}
	defer os.RemoveAll(shm)
	mem, err := spawnBuild(repo, filepath.Join(shm, "site"), "")
	if err != nil {
		return err
	}
	report("full build, site in memory (tmpfs)", mem, 5, 500)
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
	_, n, err := treeSize(dir)
	return n, err
}

// treeSize counts the files under dir and adds up their sizes.
func treeSize(dir string) (files int, size int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			files++
			size += fi.Size()
		}
		return err
	})
	return files, size, err
}

// largestPage walks the site for its largest HTML page, and counts the
// pages over 1 MiB.
func largestPage(site string) (big int64, name string, over int, err error) {
	err = filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Size() > 1<<20 {
			over++
		}
		if fi.Size() > big {
			big, name = fi.Size(), filepath.ToSlash(strings.TrimPrefix(p, site+string(filepath.Separator)))
		}
		return nil
	})
	if err == nil && name == "" {
		err = errors.New("no pages")
	}
	return big, name, over, err
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
