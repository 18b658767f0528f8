package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// result is one load run.
type result struct {
	RPS      float64
	P50, P99 time.Duration
	Requests int
	Non2xx   int
	Errors   int // socket errors of any kind
}

// wrkScript posts body as JSON on every request.
func writeWrkScript(dir string, body []byte) (string, error) {
	script := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %s\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
		strconv.Quote(string(body)))
	path := filepath.Join(dir, "post.lua")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", fmt.Errorf("write wrk script: %w", err)
	}
	return path, nil
}

// runWrk loads url with conns connections for d and parses wrk's report.
func runWrk(ctx context.Context, url, script string, conns, threads int, d time.Duration) (result, error) {
	threads = min(threads, conns)
	cmd := exec.CommandContext(ctx, "wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Seconds()))), "--latency", "-s", script, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return result{}, fmt.Errorf("wrk output: %w\n%s", err, out)
	}
	return r, nil
}

// parseWrk reads the numbers of wrk's --latency report.
func parseWrk(out string) (result, error) {
	var (
		r    result
		seen = map[string]bool{}
	)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var err error
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.RPS, err = strconv.ParseFloat(f[1], 64)
			seen["rps"] = true
		case len(f) == 2 && f[0] == "50%":
			r.P50, err = parseDuration(f[1])
			seen["p50"] = true
		case len(f) == 2 && f[0] == "99%":
			r.P99, err = parseDuration(f[1])
			seen["p99"] = true
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			r.Requests, err = strconv.Atoi(f[0])
		case len(f) == 5 && f[0] == "Non-2xx":
			r.Non2xx, err = strconv.Atoi(f[4])
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			r.Errors, err = socketErrors(f[2:])
		}
		if err != nil {
			return result{}, fmt.Errorf("line %q: %w", sc.Text(), err)
		}
	}
	if !seen["rps"] || !seen["p50"] || !seen["p99"] {
		return result{}, fmt.Errorf("no Requests/sec or latency distribution")
	}
	return r, nil
}

// socketErrors sums "connect 0, read 0, write 0, timeout 0".
func socketErrors(f []string) (int, error) {
	sum := 0
	for i := 1; i < len(f); i += 2 {
		n, err := strconv.Atoi(strings.TrimSuffix(f[i], ","))
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// parseDuration reads wrk's "251.58us", "1.20ms", "2.01s", "1.00m"; Go
// spells the units the same way.
func parseDuration(s string) (time.Duration, error) { return time.ParseDuration(s) }
