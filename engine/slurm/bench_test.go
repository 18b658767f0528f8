package slurm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/internal/slurmtest"
)

// BenchmarkFanOut is the Slurm half of make bench-scale: the fan-out DAG
// of make bench-dag (one root, BENCH_WIDTH parallel no-op tasks, default
// 198, one join) run with `mlcd run` through the Slurm engine, against the
// same jobs submitted by hand with sbatch --dependency
// (scripts/bench-slurm-hand.sh), alternately on the same cluster, BENCH_ROUNDS
// times (default 3). It reports the medians and mlcd's overhead over the
// engine's floor.
func BenchmarkFanOut(b *testing.B) {
	width := envInt("BENCH_WIDTH", 198)
	rounds := envInt("BENCH_ROUNDS", 3)
	c := slurmtest.Start(b)
	mlcd := proctest.BuildMlcd(b, filepath.Join(b.TempDir(), "mlcd"))
	script, err := filepath.Abs("../../scripts/bench-slurm-hand.sh")
	if err != nil {
		b.Fatal(err)
	}
	env := append(append(os.Environ(), gittest.Env()...), c.Env()...)
	for range b.N {
		var withMlcd, byHand []time.Duration
		for round := range rounds {
			dir := fanOutRepo(b, width)
			byHand = append(byHand, timed(b, exec.Command(script, strconv.Itoa(width), b.TempDir()), env))
			cmd := exec.Command(mlcd, "run")
			cmd.Dir = dir
			withMlcd = append(withMlcd, timed(b, cmd, append(env, "MLCD_STORE="+filepath.Join(b.TempDir(), fmt.Sprint("store", round)))))
		}
		m, h := median(withMlcd), median(byHand)
		over := 100 * (m.Seconds() - h.Seconds()) / h.Seconds()
		b.ReportMetric(m.Seconds(), "mlcd-s")
		b.ReportMetric(h.Seconds(), "sbatch-s")
		b.ReportMetric(over, "overhead-%")
		fmt.Printf("bench-scale-slurm: %d tasks, median of %d: mlcd run %.2fs, sbatch --dependency by hand %.2fs, overhead %.1f%% (mlcd %v, hand %v)\n",
			width+2, rounds, m.Seconds(), h.Seconds(), over, rounded(withMlcd), rounded(byHand))
	}
}

// fanOutRepo is a committed checkout of the fan-out pipeline.
func fanOutRepo(b *testing.B, width int) string {
	var y strings.Builder
	y.WriteString("pipeline: bench\nexecutor: slurm\ntasks:\n  root: {run: \"true\"}\n")
	names := make([]string, width)
	for i := range width {
		names[i] = "t" + strconv.Itoa(i+1)
		fmt.Fprintf(&y, "  %s: {run: \"true\", needs: [root]}\n", names[i])
	}
	fmt.Fprintf(&y, "  join: {run: \"true\", needs: [%s]}\n", strings.Join(names, ", "))
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mlcd.yaml"), []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	gittest.Git(b, dir, "init", "--quiet", "--initial-branch=main")
	gittest.Git(b, dir, "add", ".")
	gittest.Git(b, dir, "commit", "--quiet", "-m", "bench")
	return dir
}

func timed(b *testing.B, cmd *exec.Cmd, env []string) time.Duration {
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s", cmd.Args[0], err, out.String())
	}
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func rounded(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond).String()
	}
	return out
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
