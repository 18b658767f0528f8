package executor

import (
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// command builds the exec.Cmd of a task. A shell command with nothing for
// the shell to do (no quotes, variables, redirections, globs, builtins:
// "python3 src/train.py --seed 42") is run directly, without sh, as GNU
// make does: the same program with the same arguments, one process fewer.
// Program paths are looked up in PATH once per run.
func (s *scheduler) command(t *pipeline.Task) *exec.Cmd {
	argv := t.Run
	if t.Shell && len(argv) == 3 {
		if words, ok := simpleCommand(argv[2]); ok {
			argv = words
		}
	}
	path, err := s.lookPath(argv[0])
	if err != nil && len(argv) != len(t.Run) {
		argv = t.Run // not found as a program: let the shell say why
		path, err = s.lookPath(argv[0])
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Err: err}
	return cmd
}

// lookPath resolves name like exec.LookPath, remembering absolute results.
func (s *scheduler) lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil // relative to the task's folder, resolved by exec
	}
	s.pathsMu.Lock()
	defer s.pathsMu.Unlock()
	if p, ok := s.paths[name]; ok {
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	if filepath.IsAbs(p) {
		if s.paths == nil {
			s.paths = map[string]string{}
		}
		s.paths[name] = p
	}
	return p, nil
}

// shellWords are the sh keywords and special builtins that must go through
// the shell even in a simple command.
var shellWords = map[string]bool{
	"!": true, ".": true, ":": true, "[": true, "alias": true, "bg": true, "break": true, "case": true,
	"cd": true, "command": true, "continue": true, "do": true, "done": true, "elif": true, "else": true,
	"esac": true, "eval": true, "exec": true, "exit": true, "export": true, "fc": true, "fg": true,
	"fi": true, "for": true, "getopts": true, "hash": true, "if": true, "in": true, "jobs": true,
	"local": true, "read": true, "readonly": true, "return": true, "set": true, "shift": true,
	"source": true, "test": true, "then": true, "times": true, "trap": true, "type": true, "ulimit": true,
	"umask": true, "unalias": true, "unset": true, "until": true, "wait": true, "while": true,
	"{": true, "}": true,
}

// simpleCommand splits script into words when the shell would only split
// it on spaces: every character is a letter, digit, space or one of
// "-_./,:+@%^=", the first word is no keyword or builtin and no
// assignment.
func simpleCommand(script string) ([]string, bool) {
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ':
		case strings.IndexByte("-_./,:+@%^=", c) >= 0:
		default:
			return nil, false
		}
	}
	words := strings.Fields(script)
	if len(words) == 0 || shellWords[words[0]] || strings.Contains(words[0], "=") {
		return nil, false
	}
	return words, true
}
