package gitstore

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
)

// push asks the remote to move the branch from old to commit (a
// compare-and-swap: receive-pack refuses when the branch is not at old, so
// this can never force), sending exactly the objects in added.
//
// go-git's own Push finds what to send by walking every object reachable
// from the remote's refs, which grows with the history; here the objects
// are known, because the commit was built on old, which the remote has.
func (r *Repo) push(ctx context.Context, old, commit plumbing.Hash, added newObjects) error {
	return r.pushRef(ctx, plumbing.NewBranchReferenceName(r.branch), old, commit, added)
}

// pushRef moves ref on the remote from old (zero: create it) to commit,
// sending exactly the objects in added; receive-pack refuses when ref is
// not at old, so a concurrent update is never overwritten. It is push for
// any ref; push is it for the tracked branch.
func (r *Repo) pushRef(ctx context.Context, ref plumbing.ReferenceName, old, commit plumbing.Hash, added newObjects) error {
	sess, err := r.client.NewReceivePackSession(r.endpoint, r.auth)
	if err != nil {
		return r.remoteErr(ctx, "push to", err)
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return r.remoteErr(ctx, "push to", err)
	}
	if cur := ar.References[ref.String()]; cur != old {
		return fmt.Errorf("push to %s: %s moved to %s while mlcd was updating it: %w",
			r.safeURL, ref.Short(), short(cur.String()), ErrNonFastForward)
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(ar.Capabilities)
	req.Commands = []*packp.Command{{Name: ref, Old: old, New: commit}}
	rd, wr := io.Pipe()
	req.Packfile = rd
	done := make(chan error, 1)
	go func() {
		done <- wr.CloseWithError(writePack(wr, added))
	}()
	rs, err := sess.ReceivePack(ctx, req)
	rd.Close()
	perr := <-done
	if rs != nil {
		return r.pushStatus(rs)
	}
	if err == nil {
		err = perr
	}
	return r.remoteErr(ctx, "push to", err)
}

// pushStatus turns receive-pack's report into an error. A refused update
// of the branch (it moved between the advertisement and the update) is a
// non-fast-forward, which Publish retries.
func (r *Repo) pushStatus(rs *packp.ReportStatus) error {
	if rs == nil {
		return nil
	}
	if rs.UnpackStatus != "ok" {
		return fmt.Errorf("push to %s: remote could not unpack: %s", r.safeURL, rs.UnpackStatus)
	}
	for _, cs := range rs.CommandStatuses {
		if cs.Status == "ok" {
			continue
		}
		if movedReason(cs.Status) {
			return fmt.Errorf("push to %s: %s: %w", r.safeURL, cs.Status, ErrNonFastForward)
		}
		return fmt.Errorf("push to %s: remote refused %s: %s", r.safeURL, cs.ReferenceName, cs.Status)
	}
	return nil
}

// movedReason recognizes receive-pack's reasons for refusing an update
// because the ref is no longer at the old value.
func movedReason(status string) bool {
	for _, s := range []string{"non-fast-forward", "fetch first", "failed to lock", "failed to update", "stale info", "cannot lock", "expected"} {
		if strings.Contains(status, s) {
			return true
		}
	}
	return false
}
