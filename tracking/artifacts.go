package tracking

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
)

// artifactsPrefix is the artifact proxy's path (mlflow-artifacts:/ URIs).
const artifactsPrefix = "/api/2.0/mlflow-artifacts/artifacts"

// artifactsDir is the folder of MLCD_OUT that holds each run's artifacts,
// under the run's id.
const artifactsDir = "mlflow"

// errPath is the error of an artifact path that could leave its root.
var errPath = errors.New("bad artifact path")

// artifactPath is a checked path under the proxy: experiment, run and the
// path inside the run's artifact root ("" for the root).
type artifactPath struct {
	exp, run, rel string
}

// parseArtifactPath checks a path of the artifact proxy, as the client
// sends it: "<exp>/<run>/artifacts[/<path>]", escaped when escaped is true
// (a URL path) and already decoded when not (the ?path= of a listing).
// Percent-encoded slashes, dots and backslashes, "..", ".", empty
// segments, absolute paths, backslashes and control characters are
// refused: nothing can name a file outside the run's artifact root
// (CVE-2023-1177 was this check done on the wrong value).
func parseArtifactPath(p string, escaped bool) (artifactPath, error) {
	if escaped {
		low := strings.ToLower(p)
		for _, bad := range []string{"%2e", "%2f", "%5c", "%25", "%00"} {
			if strings.Contains(low, bad) {
				return artifactPath{}, fmt.Errorf("%w %q: percent-encoded %s", errPath, p, bad)
			}
		}
		u, err := url.PathUnescape(p)
		if err != nil {
			return artifactPath{}, fmt.Errorf("%w %q: %v", errPath, p, err)
		}
		p = u
	} else if hasEscape(p) {
		return artifactPath{}, fmt.Errorf("%w %q: percent-encoded characters in a decoded path", errPath, p)
	}
	for _, c := range p {
		if c < ' ' || c == 0x7f || c == '\\' {
			return artifactPath{}, fmt.Errorf("%w %q: control character or backslash", errPath, p)
		}
	}
	if strings.HasPrefix(p, "/") {
		return artifactPath{}, fmt.Errorf("%w %q: absolute", errPath, p)
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return artifactPath{}, fmt.Errorf("%w %q: empty, '.' or '..' segment", errPath, p)
		}
	}
	if len(segs) < 3 || segs[2] != "artifacts" || !isRunID(segs[1]) {
		return artifactPath{}, fmt.Errorf("%w %q: want <experiment>/<run id>/artifacts/<path>", errPath, p)
	}
	return artifactPath{exp: segs[0], run: segs[1], rel: strings.Join(segs[3:], "/")}, nil
}

func hasEscape(p string) bool {
	for i := 0; i+2 < len(p); i++ {
		if p[i] == '%' && isHex(p[i+1]) && isHex(p[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isRunID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// serveArtifacts answers the artifact proxy: PUT, GET (a file, or a
// listing with ?path=) and DELETE. rest is the escaped path after the
// prefix.
func (s *Server) serveArtifacts(w http.ResponseWriter, r *http.Request, sess *Session, rest string) {
	if rest == "" || rest == "/" {
		if r.Method != http.MethodGet {
			writeError(w, errorf(codeEndpointNotFound, "%s %s is not implemented", r.Method, r.URL.Path))
			return
		}
		s.listArtifacts(w, r, sess)
		return
	}
	ap, err := parseArtifactPath(strings.TrimPrefix(rest, "/"), true)
	if err != nil {
		writeError(w, invalid("%v", err))
		return
	}
	if sess == nil && r.Method != http.MethodGet {
		writeError(w, errorf(codePermissionDenied, "%s of an artifact needs the MLFLOW_TRACKING_URI mlcd gives each task", r.Method))
		return
	}
	switch r.Method {
	case http.MethodPut:
		err = s.putArtifact(sess, ap, r.Body)
		if err == nil {
			writeEmpty(w)
		}
	case http.MethodGet:
		err = s.getArtifact(w, sess, ap)
	case http.MethodDelete:
		err = s.deleteArtifact(sess, ap)
		if err == nil {
			writeEmpty(w)
		}
	default:
		err = errorf(codeEndpointNotFound, "%s %s is not implemented", r.Method, r.URL.Path)
	}
	if err != nil {
		writeError(w, err)
	}
}

// artifactRun returns the live run of ap and its root inside MLCD_OUT; a
// caller with a session may only reach its own runs.
func (s *Server) artifactRun(sess *Session, ap artifactPath) (*liveRun, error) {
	lr := s.run(ap.run)
	if lr == nil {
		if p := s.pastRun(ap.run); p != nil {
			return nil, notFound("run %s was recorded by mlcd run %s; its artifacts are outputs of task %s in the artifact store", ap.run, p.run.ID, p.task.Name)
		}
		return nil, notFound("Run with id=%s not found", ap.run)
	}
	if sess != nil && lr.sess != sess {
		return nil, errorf(codePermissionDenied, "run %s belongs to task %s, not to this task", ap.run, lr.sess.task.Name)
	}
	if lr.expID != ap.exp {
		return nil, invalid("run %s is in experiment %s, not %s", ap.run, lr.expID, ap.exp)
	}
	return lr, nil
}

// fileOf is the path of ap relative to MLCD_OUT.
func fileOf(ap artifactPath) string {
	return path.Join(artifactsDir, ap.run, ap.rel)
}

func (s *Server) putArtifact(sess *Session, ap artifactPath, body io.Reader) error {
	if ap.rel == "" {
		return invalid("PUT needs a file path inside the run's artifacts")
	}
	lr, err := s.artifactRun(sess, ap)
	if err != nil {
		return err
	}
	ss := lr.sess
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return errorf(codeInvalidState, "task %s attempt %d has ended; nothing more is recorded", ss.task.Name, ss.task.Attempt)
	}
	ss.uploads.Add(1)
	ss.mu.Unlock()
	defer ss.uploads.Done()
	return writeUnder(ss.task.OutDir, fileOf(ap), body)
}

// writeUnder writes name inside dir through os.Root, so that a symlink the
// task left in MLCD_OUT cannot take the write outside it.
func writeUnder(dir, name string, body io.Reader) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return errorf(codeInternal, "artifact root: %v", err)
	}
	defer root.Close()
	if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return invalid("artifact %s: %v", name, err)
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return invalid("artifact %s: %v", name, err)
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return errorf(codeInternal, "artifact %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		return errorf(codeInternal, "artifact %s: %v", name, err)
	}
	return nil
}

func (s *Server) getArtifact(w http.ResponseWriter, sess *Session, ap artifactPath) error {
	lr, err := s.artifactRun(sess, ap)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(lr.sess.task.OutDir)
	if err != nil {
		return errorf(codeInternal, "artifact root: %v", err)
	}
	defer root.Close()
	f, err := root.Open(fileOf(ap))
	if err != nil {
		return notFound("artifact %s of run %s: no such file", ap.rel, ap.run)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return notFound("artifact %s of run %s is not a file", ap.rel, ap.run)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "attachment; filename="+path.Base(ap.rel))
	_, _ = io.Copy(w, f)
	return nil
}

func (s *Server) deleteArtifact(sess *Session, ap artifactPath) error {
	lr, err := s.artifactRun(sess, ap)
	if err != nil {
		return err
	}
	if ap.rel == "" {
		return invalid("DELETE needs a path inside the run's artifacts")
	}
	root, err := os.OpenRoot(lr.sess.task.OutDir)
	if err != nil {
		return errorf(codeInternal, "artifact root: %v", err)
	}
	defer root.Close()
	if err := root.RemoveAll(fileOf(ap)); err != nil {
		return invalid("delete artifact %s: %v", ap.rel, err)
	}
	return nil
}

// fileInfo is MLflow's FileInfo.
type fileInfo struct {
	Path  string `json:"path"`
	IsDir bool   `json:"is_dir"`
	Size  int64  `json:"file_size,omitempty"`
}

// listArtifacts answers GET ...?path=<exp>/<run>/artifacts/<dir> with the
// folder's entries by base name, as the proxy does.
func (s *Server) listArtifacts(w http.ResponseWriter, r *http.Request, sess *Session) {
	ap, err := parseArtifactPath(r.URL.Query().Get("path"), false)
	if err != nil {
		writeError(w, invalid("%v", err))
		return
	}
	files, err := s.listDir(sess, ap)
	if err != nil {
		writeError(w, err)
		return
	}
	for i := range files {
		files[i].Path = path.Base(files[i].Path)
	}
	resp := map[string]any{}
	if len(files) > 0 {
		resp["files"] = files
	}
	writeJSON(w, resp)
}

// listDir lists the folder ap names; paths are relative to the run's root.
func (s *Server) listDir(sess *Session, ap artifactPath) ([]fileInfo, error) {
	lr, err := s.artifactRun(sess, ap)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(lr.sess.task.OutDir)
	if err != nil {
		return nil, errorf(codeInternal, "artifact root: %v", err)
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), fileOf(ap))
	if err != nil {
		return nil, nil // MLflow lists a missing folder as empty
	}
	var out []fileInfo
	for _, e := range entries {
		fi := fileInfo{Path: path.Join(ap.rel, e.Name()), IsDir: e.IsDir()}
		if !e.IsDir() {
			if info, err := e.Info(); err == nil {
				fi.Size = info.Size()
			}
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// listRunArtifacts is the tracking API's artifacts/list.
func (s *Server) listRunArtifacts(sess *Session, q *request) (any, error) {
	id, aerr := q.runID()
	if aerr != nil {
		return nil, aerr
	}
	sub, aerr := q.str("path")
	if aerr != nil {
		return nil, aerr
	}
	lr := s.run(id)
	if lr == nil {
		return nil, notFound("Run with id=%s not found", id)
	}
	p := lr.expID + "/" + id + "/artifacts"
	if sub != "" {
		p += "/" + sub
	}
	ap, err := parseArtifactPath(p, false)
	if err != nil {
		return nil, invalid("%v", err)
	}
	files, err := s.listDir(sess, ap)
	if err != nil {
		return nil, err
	}
	resp := map[string]any{"root_uri": artifactURI(lr.expID, id)}
	if len(files) > 0 {
		resp["files"] = files
	}
	return resp, nil
}
