package executor

import (
	"os"
	"syscall"
)

// statOf is what inputHashes compares to decide a file is unchanged.
func statOf(fi os.FileInfo) (fileStat, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStat{}, false
	}
	return fileStat{
		Size: fi.Size(), Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Inode: st.Ino,
	}, true
}
