// Package proctest starts the processes of a test (mlcd, a demo script)
// each in a process group of its own and, when one ends or is killed the
// way a crash kills it, waits for every process of its group, the ones it
// left behind included, so that none writes into the test's folders after
// the test has ended.
//
// A process killed with SIGKILL does not take its children with it. When
// mlcd pushes to a remote given as a local path, git-receive-pack runs as
// its child and goes on writing into the bare repository after mlcd is
// gone, as a real server would; a test that then ends while it writes gets
// "TempDir RemoveAll cleanup: directory not empty", and a test that pushes
// next may find the branch still locked.
//
// It is for tests only, on Unix systems; on Linux it reads /proc to tell
// a zombie (which writes nothing more) from a live process.
package proctest
