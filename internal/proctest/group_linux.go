package proctest

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// groupMembers lists the live processes of group pgid, from /proc, as
// "pid command" strings.
func groupMembers(pgid int) ([]string, error) {
	return membersIn(os.DirFS("/proc"), pgid)
}

// membersIn is groupMembers reading proc, a /proc folder.
func membersIn(proc fs.FS, pgid int) ([]string, error) {
	entries, err := fs.ReadDir(proc, ".")
	if err != nil {
		return nil, err
	}
	var left []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := fs.ReadFile(proc, e.Name()+"/stat")
		if err != nil {
			// Ended since ReadDir (ENOENT, or ESRCH while reading), or
			// not ours to see: not a process of the group either way.
			continue
		}
		if name, ok := liveInGroup(string(stat), pgid); ok {
			left = append(left, strconv.Itoa(pid)+" "+name)
		}
	}
	return left, nil
}

// liveInGroup parses a /proc/<pid>/stat line, "pid (comm) state ppid
// pgrp ...", and reports whether the process is in group pgid and not a
// zombie, with its command name. comm may hold spaces and parentheses,
// so the fields are counted from the last ')'.
func liveInGroup(stat string, pgid int) (string, bool) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return "", false
	}
	f := strings.Fields(stat[end+1:])
	if len(f) < 3 {
		return "", false
	}
	if f[0] == "Z" || f[0] == "X" {
		return "", false
	}
	if g, err := strconv.Atoi(f[2]); err != nil || g != pgid {
		return "", false
	}
	return stat[open+1 : end], true
}
