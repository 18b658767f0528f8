package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/deploy/sklearn"
	"github.com/mlcd-dev/mlcd/deploy/xgboost"
	"github.com/mlcd-dev/mlcd/internal/freeport"
)

// native serves the xgboost model at path on a loopback port until ctx is
// done; it returns the base URL and a stop function.
func native(ctx context.Context, path, addr string, log *slog.Logger) (string, func(), error) {
	m, err := xgboost.Load(ctx, path)
	if err != nil {
		return "", nil, err
	}
	return serve(ctx, scoring.Handler(m, scoring.Options{Logger: log}), addr)
}

// nativeSklearn serves the pickled scikit-learn model at path with mlcd's
// sklearn flavor (workers Python processes behind the Go gateway).
func nativeSklearn(ctx context.Context, path string, workers int, log *slog.Logger) (string, func(), error) {
	m, err := sklearn.Start(ctx, sklearn.Config{Model: path, Python: "/usr/bin/python3", Workers: workers,
		Env: append(os.Environ(), "OMP_NUM_THREADS=1"), Logger: log})
	if err != nil {
		return "", nil, err
	}
	url, stop, err := serve(ctx, scoring.Handler(m, scoring.Options{Logger: log}), "127.0.0.1:0")
	if err != nil {
		m.Stop(context.WithoutCancel(ctx))
		return "", nil, err
	}
	return url, func() {
		stop()
		m.Stop(context.WithoutCancel(ctx))
	}, nil
}

// serve serves h on addr until the returned stop is called.
func serve(ctx context.Context, h http.Handler, addr string) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-errc
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// python starts the Flask app on gunicorn (one sync worker,
// OMP_NUM_THREADS=1, as `mlflow models serve` runs) and waits for /ping.
func python(ctx context.Context, dir, model string) (string, func(), error) {
	port, err := freeport.Pick()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command("/usr/bin/python3", "-m", "gunicorn", "-w", "1", "-b", fmt.Sprintf("127.0.0.1:%d", port),
		"--timeout", "60", "--chdir", dir, "flask_app:app")
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1", "MODEL_PATH="+model)
	logf, err := os.Create(filepath.Join(dir, "gunicorn.log"))
	if err != nil {
		return "", nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return "", nil, fmt.Errorf("start gunicorn: %w", err)
	}
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitPing(ctx, url, 60*time.Second); err != nil {
		stop()
		log, _ := os.ReadFile(filepath.Join(dir, "gunicorn.log"))
		return "", nil, fmt.Errorf("python server: %w\n%s", err, log)
	}
	return url, stop, nil
}

// waitPing polls url/ping until it answers 200 or limit passes.
func waitPing(ctx context.Context, url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/ping", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.New("no answer on /ping")
		case <-tick.C:
		}
	}
}

// score posts body to url/invocations and returns the response body.
func score(ctx context.Context, url string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/invocations", strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %d %s", url, resp.StatusCode, b)
	}
	return string(b), nil
}
