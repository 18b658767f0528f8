package command

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// process is one run of the serve command, in its own process group.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once Wait returned
	err  error         // Wait's result, set before done is closed
}

// startProcess starts line with env (nil: this process's environment),
// without mlcd's own secrets (pipeline.SecretEnv): a serve command is
// code from the repository.
func startProcess(line, dir string, env []string, out io.Writer) (*process, error) {
	cmd := exec.Command("/bin/sh", "-c", execPrefix(line)+line)
	cmd.Dir = dir
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = pipeline.WithoutSecrets(env)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start model server %q: %w", line, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// kill ends the process group: SIGTERM, then SIGKILL after grace.
func (p *process) kill(grace time.Duration) {
	pgid := -p.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
		syscall.Kill(pgid, syscall.SIGKILL) // children that ignored the shell's end
		return
	case <-time.After(grace):
	}
	syscall.Kill(pgid, syscall.SIGKILL)
	<-p.done
}

// state describes how the process ended.
func (p *process) state() string {
	if p.err == nil {
		return "exit status 0"
	}
	return p.err.Error()
}

// execPrefix is "exec " for a line that is one simple command, so that the
// server replaces the shell: it is then the process whose death is
// watched, and it gets the parent-death signal. A line with control
// operators, an assignment or a keyword first runs as it is.
func execPrefix(line string) string {
	ops := strings.NewReplacer(">&", "", "<&", "").Replace(line) // 2>&1 is a redirection
	if strings.ContainsAny(ops, ";&|\n") {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	if strings.ContainsAny(first, "=({}!") {
		return ""
	}
	switch first {
	case "if", "for", "while", "until", "case", "exec", "":
		return ""
	}
	return "exec "
}

// expand fills {model} and {port} of a serve command line; the model path
// is shell-quoted.
func expand(line, model string, port int) string {
	r := strings.NewReplacer("{model}", shellQuote(model), "{port}", strconv.Itoa(port))
	return r.Replace(line)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// portTaken reports whether another socket holds port on the loopback
// address, once the server that was to listen there is gone.
func portTaken(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return errors.Is(err, syscall.EADDRINUSE)
	}
	ln.Close()
	return false
}
