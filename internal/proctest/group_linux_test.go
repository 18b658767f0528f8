package proctest

import (
	"io/fs"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

func TestLiveInGroup(t *testing.T) {
	for _, tc := range []struct {
		stat string
		pgid int
		name string
		ok   bool
	}{
		{"123 (git-receive-pack) S 1 77 77 0 -1", 77, "git-receive-pack", true},
		{"123 (git-receive-pack) S 1 77 77 0 -1", 78, "", false},
		{"123 (a) (b) R 1 77 77", 77, "a) (b", true},
		{"123 (sh) Z 1 77 77", 77, "", false},
		{"123 (sh) X 1 77 77", 77, "", false},
		{"123 (sh) S 1", 77, "", false},
		{"garbage", 77, "", false},
		{"123 )sh( S 1 77 77", 77, "", false},
	} {
		name, ok := liveInGroup(tc.stat, tc.pgid)
		if name != tc.name || ok != tc.ok {
			t.Errorf("liveInGroup(%q, %d) = %q, %v, want %q, %v", tc.stat, tc.pgid, name, ok, tc.name, tc.ok)
		}
	}
}

func FuzzLiveInGroup(f *testing.F) {
	for _, s := range []string{"123 (git) S 1 77 77 0", "1 ((x)) Z 0 1 1", "", "(", ")(", "9 (a b) R 1 -4 2"} {
		f.Add(s, 77)
	}
	f.Fuzz(func(t *testing.T, stat string, pgid int) {
		name, ok := liveInGroup(stat, pgid)
		if !ok && name != "" {
			t.Fatalf("a name %q for a process not in the group", name)
		}
		if ok && !strings.Contains(stat, "("+name+")") {
			t.Fatalf("name %q is not the stat's comm", name)
		}
		if ok && !strings.Contains(stat, " "+strconv.Itoa(pgid)) {
			t.Fatalf("in group %d but the stat does not name it", pgid)
		}
	})
}

// goneFS is a /proc whose process 2 ends while it is read: its stat
// gives ESRCH, as the kernel's does.
type goneFS struct{ fstest.MapFS }

func (f goneFS) Open(name string) (fs.File, error) {
	if name == "2/stat" {
		return nil, &fs.PathError{Op: "read", Path: name, Err: syscall.ESRCH}
	}
	return f.MapFS.Open(name)
}

func (f goneFS) ReadFile(name string) ([]byte, error) {
	if name == "2/stat" {
		return nil, &fs.PathError{Op: "read", Path: name, Err: syscall.ESRCH}
	}
	return f.MapFS.ReadFile(name)
}

func TestMembersIn_AProcessEndingWhileReadIsNotAMember(t *testing.T) {
	proc := goneFS{fstest.MapFS{
		"1/stat":      {Data: []byte("1 (git-receive-pack) S 9 77 77 0")},
		"2/stat":      {Data: []byte("2 (sh) S 9 77 77 0")},
		"3/stat":      {Data: []byte("3 (other) S 9 78 78 0")},
		"self/stat":   {Data: []byte("9 (test) S 1 9 9 0")},
		"uptime/stat": {Data: []byte("x")},
	}}
	got, err := membersIn(proc, 77)
	if err != nil || len(got) != 1 || got[0] != "1 git-receive-pack" {
		t.Fatalf("membersIn = %q, %v; want only 1 git-receive-pack", got, err)
	}
}
