package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const wrkReport = `Running 2s test @ http://127.0.0.1:40111/invocations
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.95ms    5.10ms  155.90ms   97.80%
    Req/Sec     6.47k     1.20k    8.90k    70.00%
  Latency Distribution
     50%    1.37ms
     75%    1.80ms
     90%    2.50ms
     99%  155.90ms
  25730 requests in 2.00s, 3.98MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  12865.01
Transfer/sec:      1.99MB
`

func TestParseWrk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    result
		wantErr bool
	}{
		{"full report", wrkReport, result{RPS: 12865.01, P50: 1370 * time.Microsecond, P99: 155900 * time.Microsecond,
			Requests: 25730, Non2xx: 4, Errors: 3}, false},
		{"no latency distribution", "Requests/sec:  10.0\n", result{}, true},
		{"bad number", "Requests/sec:  lots\n", result{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseWrk(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-conns", "8, 32", "-duration", "2s", "-rounds", "1"})
	if err != nil || !cmp.Equal(cfg.conns, []int{8, 32}) || cfg.duration != 2*time.Second || cfg.rounds != 1 {
		t.Fatalf("parseFlags = %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"-conns", "8,x"}, {"-conns", "0"}, {"-rounds", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestParseFlags_models(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-models", "sklearn, xgboost", "-workers", "2"})
	if err != nil || !cmp.Equal(cfg.models, []string{"sklearn", "xgboost"}) || cfg.workers != 2 {
		t.Errorf("parseFlags = %+v, %v", cfg, err)
	}
	for _, args := range [][]string{{"-models", "onnx"}, {"-workers", "0"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}
