package main

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// printSummary writes, after a run: each task's status, cache hit and
// duration, the metrics of the model tasks, and where the record is.
func printSummary(w io.Writer, dir string, r *pipeline.Run) {
	out := bufio.NewWriter(w) // tabwriter writes cell by cell
	defer out.Flush()
	hits := 0
	for _, t := range r.Tasks {
		if t.CacheHit {
			hits++
		}
	}
	fmt.Fprintf(out, "\nrun %s %s in %s (%d tasks, %d cached)\n", r.ID, r.Status,
		r.End.Sub(r.Start).Round(time.Millisecond), len(r.Tasks), hits)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TASK\tSTATUS\tCACHE\tATTEMPTS\tDURATION")
	for _, t := range r.Tasks {
		cache := "-"
		if t.CacheHit {
			cache = "hit"
		}
		dur := "-"
		if !t.Start.IsZero() && !t.End.IsZero() {
			dur = t.End.Sub(t.Start).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", t.Name, t.Status, cache, len(t.Attempts), dur)
	}
	tw.Flush()
	printMetrics(out, r)
	rel, err := filepath.Rel(dir, pipeline.RunPath(dir, r.Pipeline, r.ID))
	if err != nil {
		rel = pipeline.RunPath(dir, r.Pipeline, r.ID)
	}
	fmt.Fprintf(out, "record: %s\n", filepath.Join(dir, rel))
}

func printMetrics(out io.Writer, r *pipeline.Run) {
	var lines []string
	for _, t := range r.Tasks {
		if t.Model == nil || len(t.Metrics) == 0 {
			continue
		}
		names := make([]string, 0, len(t.Metrics))
		for k := range t.Metrics {
			names = append(names, k)
		}
		slices.Sort(names)
		parts := make([]string, len(names))
		for i, k := range names {
			parts[i] = k + "=" + strconv.FormatFloat(t.Metrics[k], 'g', 4, 64)
		}
		lines = append(lines, fmt.Sprintf("  %s (%s)\t%s", t.Name, t.Model.Name, strings.Join(parts, " ")))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(out, "metrics:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	tw.Flush()
}
