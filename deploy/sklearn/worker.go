package sklearn

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// workerSource is the Python program each worker runs (python3 -c).
//
//go:embed worker.py
var workerSource string

// maxMessage bounds one message from a worker (a hello or an answer).
const maxMessage = 1 << 30

// errDied is the error of a call whose worker exited or broke its pipe.
var errDied = errors.New("the model worker died")

// modelError is the model refusing a batch (a Python exception in predict).
type modelError struct{ msg string }

func (e *modelError) Error() string { return e.msg }

// hello is what a worker says once its model is loaded.
type hello struct {
	Features *int     `json:"features"` // n_features_in_
	Names    []string `json:"names"`    // feature_names_in_
	Outputs  []string `json:"outputs"`  // predict_proba's columns (classes_)
	Labels   []string `json:"labels"`   // non-numeric labels, answered by index
	Method   string   `json:"method"`
	Model    string   `json:"model"` // the estimator's class name
	Error    string   `json:"error"`
}

// worker is one Python process, in its own process group, spoken to over
// its stdin and stdout.
type worker struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	done chan struct{} // closed once Wait returned
	err  error         // Wait's result, set before done is closed
	send []byte        // reused request buffer
	recv []byte        // reused answer buffer
}

// startWorker starts a worker on cfg's model and waits for its hello.
func startWorker(ctx context.Context, cfg *Config, output io.Writer) (*worker, *hello, error) {
	cmd := exec.Command(interpreter(cfg.Python, cfg.Env), "-c", workerSource, cfg.Model, cfg.Method)
	cmd.Dir, cmd.Env, cmd.Stderr = cfg.Dir, cfg.Env, output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", cfg.Python, err)
	}
	w := &worker{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10), done: make(chan struct{})}
	go func() {
		w.err = cmd.Wait()
		close(w.done)
	}()
	h, err := w.readHello(ctx, cfg.StartTimeout)
	if err != nil {
		w.kill(cfg.StopGrace)
		return nil, nil, err
	}
	return w, h, nil
}

// readHello waits for the worker's first message.
func (w *worker) readHello(ctx context.Context, timeout time.Duration) (*hello, error) {
	type result struct {
		msg []byte
		err error
	}
	c := make(chan result, 1)
	go func() {
		msg, err := w.read()
		c <- result{msg, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	var r result
	select {
	case r = <-c:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("the worker did not load the model within %s", timeout)
	}
	if r.err != nil {
		<-w.done
		return nil, fmt.Errorf("the worker exited while loading the model (%v)", w.state())
	}
	var h hello
	if err := json.Unmarshal(r.msg, &h); err != nil {
		return nil, fmt.Errorf("the worker's hello: %w", err)
	}
	if h.Error != "" {
		return nil, errors.New(h.Error)
	}
	return &h, nil
}

// read reads one length-prefixed message into w.recv.
func (w *worker) read() ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(w.out, n[:]); err != nil {
		return nil, err
	}
	size := binary.LittleEndian.Uint32(n[:])
	if size > maxMessage {
		return nil, fmt.Errorf("a message of %d bytes from the worker", size)
	}
	if cap(w.recv) < int(size) {
		w.recv = make([]byte, size)
	}
	w.recv = w.recv[:size]
	if _, err := io.ReadFull(w.out, w.recv); err != nil {
		return nil, err
	}
	return w.recv, nil
}

// predict sends rows x cols values and returns the answer's values (valid
// until the next call) and its width. A broken pipe or a malformed answer
// is errDied: the worker cannot be trusted with another batch.
func (w *worker) predict(values []float64, rows, cols int) ([]float64, int, error) {
	size := 12 + 8*len(values)
	b := w.send[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = append(b, "MLCB"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(rows))
	b = binary.LittleEndian.AppendUint32(b, uint32(cols))
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	w.send = b
	if _, err := w.in.Write(b); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", errDied, err)
	}
	msg, err := w.read()
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", errDied, err)
	}
	return decodeAnswer(msg, rows)
}

// decodeAnswer reads an answer for rows rows; it reuses msg's storage.
func decodeAnswer(msg []byte, rows int) ([]float64, int, error) {
	if len(msg) >= 1 && msg[0] == 1 {
		return nil, 0, &modelError{msg: string(msg[1:])}
	}
	if len(msg) < 9 || msg[0] != 0 {
		return nil, 0, fmt.Errorf("%w: a malformed answer", errDied)
	}
	n := int(binary.LittleEndian.Uint32(msg[1:]))
	width := int(binary.LittleEndian.Uint32(msg[5:]))
	body := msg[9:]
	if n != rows || width == 0 || len(body) != 8*n*width {
		return nil, 0, fmt.Errorf("%w: an answer of %d rows x %d for %d rows", errDied, n, width, rows)
	}
	out := make([]float64, n*width)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(body[8*i:]))
	}
	return out, width, nil
}

// kill ends the worker: its stdin closes (it exits by itself), then
// SIGTERM to its process group, then SIGKILL after grace.
func (w *worker) kill(grace time.Duration) {
	w.in.Close()
	select {
	case <-w.done:
		return
	case <-time.After(grace / 2):
	}
	pgid := -w.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(grace / 2):
		syscall.Kill(pgid, syscall.SIGKILL)
		<-w.done
	}
}

// state describes how the worker ended.
func (w *worker) state() string {
	if w.err == nil {
		return "exit status 0"
	}
	return w.err.Error()
}

// interpreter resolves a bare interpreter name on the PATH of env (the
// workers' environment), falling back to this process's PATH.
func interpreter(name string, env []string) string {
	if strings.ContainsRune(name, filepath.Separator) {
		return name
	}
	for _, kv := range slices.Backward(env) {
		path, ok := strings.CutPrefix(kv, "PATH=")
		if !ok {
			continue
		}
		for _, dir := range filepath.SplitList(path) {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return p
			}
		}
		break
	}
	return name
}
