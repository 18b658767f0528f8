package promotion

import (
	"context"
	"fmt"
	"strings"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/registry"
)

// checkMarker tags the one comment `mlcd check --github` keeps on a pull
// request.
const checkMarker = "check"

// ReportCheck puts the outcome of `mlcd check` on GitHub: the commit status
// gate.CheckContext (which the merge gate reads) on sha, the pull
// request's head, and, when number is not 0, one comment on the pull
// request (CheckComment), updated on every check. It returns the status's
// state.
func ReportCheck(ctx context.Context, gh *forge.Client, c *gate.PRCheck, sha string, number int, reportURL string) (string, error) {
	state, desc := forge.StateSuccess, strings.TrimPrefix(firstLine(c.Summary()), "ok: ")
	if n := len(c.Problems); n > 0 {
		state = forge.StateFailure
		word := "problems"
		if n == 1 {
			word = "problem"
		}
		desc = fmt.Sprintf("%d %s: %s", n, word, c.Problems[0].Error())
	}
	if err := gh.SetStatus(ctx, sha, state, gate.CheckContext, desc, ""); err != nil {
		return "", err
	}
	if number == 0 {
		return state, nil
	}
	return state, gh.UpsertComment(ctx, number, checkMarker, CheckComment(c, reportURL))
}

// CheckComment is the check's pull request comment: the problems, or the
// summary and the comparison of each version moved to Production with the
// current one (Body).
func CheckComment(c *gate.PRCheck, reportURL string) string {
	var b strings.Builder
	if len(c.Problems) > 0 {
		b.WriteString("### mlcd check: the change is refused\n\n")
		for _, p := range c.Problems {
			b.WriteString("- `" + strings.ReplaceAll(p.Error(), "`", "'") + "`\n")
		}
		return b.String()
	}
	b.WriteString("### mlcd check: ok\n\n```\n" + c.Summary() + "```\n")
	if c.GateNote != "" {
		b.WriteString("\n" + strings.ReplaceAll(c.GateNote, "`", "'") + "\n")
	}
	for _, ch := range c.Changes {
		if !ch.StageChanged() || ch.ToStage != registry.StageProduction {
			continue
		}
		v := c.HeadReg.Version(ch.Model, ch.Version)
		if v == nil {
			continue
		}
		before := c.BaseReg.Version(ch.Model, ch.Version)
		if before == nil {
			before = v
		}
		b.WriteString("\n---\n\n" + Body(before, c.BaseReg.Production(ch.Model), ch.ToStage, c.Policy, reportURL))
	}
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
