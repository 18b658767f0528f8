package reports

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/gitstore"
)

// forgeLinks makes links to a repository's pages on GitHub: commits,
// branches and pull requests. Base is "https://github.com/<owner>/<repo>"
// when the repository's origin is on GitHub, else "" and every link is ""
// (the value stays plain text). Links are built only from a checked
// owner/repo, hex commits and percent-encoded branch names, so they hold
// no byte html/template would change in a quoted attribute.
type forgeLinks struct{ Base string }

// repoForge finds the GitHub repository of the git repository at or
// above dir (a bare clone when bare): "" when there is none, or when its
// origin is elsewhere.
func repoForge(dir string, bare bool) (forgeLinks, error) {
	origin, err := gitstore.OriginURL(dir, bare)
	if err != nil {
		return forgeLinks{}, err
	}
	return forgeLinks{Base: strings.TrimSuffix(pullURL(origin), "/pull/")}, nil
}

var hexCommit = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// commit links a commit; "" for no forge or a value that is not a hash.
func (f forgeLinks) commit(sha string) string {
	if f.Base == "" || !hexCommit.MatchString(sha) {
		return ""
	}
	return f.Base + "/commit/" + sha
}

// branch links a branch's tree.
func (f forgeLinks) branch(name string) string {
	if f.Base == "" || name == "" {
		return ""
	}
	return f.Base + "/tree/" + string(appendURLPath(nil, name))
}

// pull links pull request n.
func (f forgeLinks) pull(n int) string {
	if f.Base == "" || n <= 0 {
		return ""
	}
	return f.Base + "/pull/" + strconv.Itoa(n)
}
