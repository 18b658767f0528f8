package gitstore

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// RemoteHead returns the commit the tracked branch points to on the remote.
// It costs one listing of the remote's refs (over HTTP one GET of
// info/refs) and transfers no objects: the cheap check of a poll. A missing
// branch gives an error matching ErrNotFound.
func (r *Repo) RemoteHead(ctx context.Context) (string, error) {
	ar, err := r.advertised(ctx, transport.UploadPackServiceName)
	if err != nil {
		return "", r.remoteErr(ctx, "list refs of", err)
	}
	h, ok := ar.References[plumbing.NewBranchReferenceName(r.branch).String()]
	if !ok {
		return "", fmt.Errorf("list refs of %s: %s: %w", r.safeURL, r.branch, errNoBranch)
	}
	return h.String(), nil
}

// advertised opens a session of service and returns the remote's
// advertisement. An empty repository gives empty references, not an error.
func (r *Repo) advertised(ctx context.Context, service string) (*packp.AdvRefs, error) {
	var (
		sess transport.Session
		err  error
	)
	if service == transport.ReceivePackServiceName {
		sess, err = r.client.NewReceivePackSession(r.endpoint, r.auth)
	} else {
		sess, err = r.client.NewUploadPackSession(r.endpoint, r.auth)
	}
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return packp.NewAdvRefs(), nil
	}
	return ar, err
}

// Fetch brings the tracked branch from the remote and returns its tip. When
// the local clone already has the remote's tip it costs one round trip.
func (r *Repo) Fetch(ctx context.Context) (string, error) {
	r.op.Lock()
	defer r.op.Unlock()
	return r.fetch(ctx)
}

// fetch is Fetch for callers holding r.op.
func (r *Repo) fetch(ctx context.Context) (string, error) {
	spec := config.RefSpec(fmt.Sprintf("+refs/heads/%s:%s", r.branch, r.track))
	r.st.Lock()
	err := r.remote.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: []config.RefSpec{spec},
		Auth:     r.auth,
		Tags:     git.NoTags,
	})
	r.st.Unlock()
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return "", r.remoteErr(ctx, "fetch", err)
	}
	tip, err := r.tip()
	if err != nil {
		return "", err
	}
	if tip.IsZero() {
		return "", fmt.Errorf("fetch %s: %s: %w", r.safeURL, r.branch, errNoBranch)
	}
	return tip.String(), nil
}

// tip returns the last fetched or pushed commit of the branch; zero when
// there is none.
func (r *Repo) tip() (plumbing.Hash, error) {
	r.st.Lock()
	defer r.st.Unlock()
	ref, err := r.storer().Reference(r.track)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", r.track, err)
	}
	return ref.Hash(), nil
}

// setTip records that the remote branch is at h.
func (r *Repo) setTip(h plumbing.Hash) error {
	r.st.Lock()
	defer r.st.Unlock()
	if err := r.storer().SetReference(plumbing.NewHashReference(r.track, h)); err != nil {
		return fmt.Errorf("update %s: %w", r.track, err)
	}
	return nil
}
