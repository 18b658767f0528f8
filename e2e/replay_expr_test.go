package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The expressions of GitHub Actions (${{ ... }}) that the replay of a
// workflow understands: the ones `mlcd export github` writes, and no more.
// Anything else is an error, so that a workflow the replay passes cannot
// lean on an expression the replay only pretended to read.

// exprScope is what an expression can see.
type exprScope struct {
	secrets, vars, github map[string]string
	needs                 map[string]*jobResult // the job's needs, by id
	steps                 map[string]map[string]string
	success               bool // success(): needs (for a job) or earlier steps succeeded
}

// exprValue is a string or a boolean, as GitHub's expressions have them.
type exprValue struct {
	s      string
	b      bool
	isBool bool
}

func (v exprValue) truthy() bool {
	if v.isBool {
		return v.b
	}
	return v.s != ""
}

func (v exprValue) String() string {
	if v.isBool {
		return fmt.Sprint(v.b)
	}
	return v.s
}

var exprRE = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// interpolate replaces every ${{ ... }} of s by its value.
func interpolate(s string, sc *exprScope) (string, error) {
	var firstErr error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		v, err := evalExpr(exprRE.FindStringSubmatch(m)[1], sc)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", m, err)
		}
		return v.String()
	})
	return out, firstErr
}

// condition evaluates an if:, with or without ${{ }}.
func condition(s string, sc *exprScope) (bool, error) {
	s = strings.TrimSpace(s)
	if m := exprRE.FindStringSubmatch(s); m != nil && m[0] == s {
		s = m[1]
	}
	v, err := evalExpr(s, sc)
	if err != nil {
		return false, fmt.Errorf("if: %s: %w", s, err)
	}
	return v.truthy(), nil
}

func evalExpr(src string, sc *exprScope) (exprValue, error) {
	p := &exprParser{toks: tokenize(src), sc: sc}
	v, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return v, err
}

var tokenRE = regexp.MustCompile(`\s*(\|\||&&|==|!|\(|\)|'[^']*'|[A-Za-z_][A-Za-z0-9_.-]*)`)

func tokenize(s string) []string {
	var toks []string
	for len(strings.TrimSpace(s)) > 0 {
		m := tokenRE.FindStringSubmatchIndex(s)
		if m == nil || m[0] != 0 {
			return append(toks, "\x00"+s) // the parser reports it
		}
		toks = append(toks, s[m[2]:m[3]])
		s = s[m[1]:]
	}
	return toks
}

type exprParser struct {
	toks []string
	pos  int
	sc   *exprScope
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) or() (exprValue, error) {
	v, err := p.and()
	for err == nil && p.peek() == "||" {
		p.pos++
		var r exprValue
		if r, err = p.and(); !v.truthy() {
			v = r
		}
	}
	return v, err
}

func (p *exprParser) and() (exprValue, error) {
	v, err := p.not()
	for err == nil && p.peek() == "&&" {
		p.pos++
		var r exprValue
		if r, err = p.not(); v.truthy() {
			v = r
		}
	}
	return v, err
}

func (p *exprParser) not() (exprValue, error) {
	if p.peek() == "!" {
		p.pos++
		v, err := p.not()
		return exprValue{b: !v.truthy(), isBool: true}, err
	}
	v, err := p.primary()
	if err == nil && p.peek() == "==" {
		p.pos++
		var r exprValue
		r, err = p.primary()
		// GitHub compares strings without case.
		v = exprValue{b: strings.EqualFold(v.String(), r.String()), isBool: true}
	}
	return v, err
}

func (p *exprParser) primary() (exprValue, error) {
	tok := p.peek()
	p.pos++
	switch {
	case tok == "(":
		v, err := p.or()
		if p.peek() != ")" {
			return v, fmt.Errorf("missing )")
		}
		p.pos++
		return v, err
	case strings.HasPrefix(tok, "'"):
		return exprValue{s: strings.Trim(tok, "'")}, nil
	case tok == "always" || tok == "cancelled" || tok == "success":
		if p.peek() != "(" || p.pos+1 >= len(p.toks) || p.toks[p.pos+1] != ")" {
			return exprValue{}, fmt.Errorf("%s without ()", tok)
		}
		p.pos += 2
		return exprValue{b: tok == "always" || tok == "success" && p.sc.success, isBool: true}, nil
	case tok == "" || strings.HasPrefix(tok, "\x00"):
		return exprValue{}, fmt.Errorf("cannot read %q", strings.TrimPrefix(tok, "\x00"))
	}
	return p.ref(tok)
}

// ref reads a context's value; the contexts and properties the workflow
// may use are listed here.
func (p *exprParser) ref(tok string) (exprValue, error) {
	parts := strings.Split(tok, ".")
	switch {
	case len(parts) == 2 && parts[0] == "secrets":
		return exprValue{s: p.sc.secrets[parts[1]]}, nil
	case len(parts) == 2 && parts[0] == "vars":
		return exprValue{s: p.sc.vars[parts[1]]}, nil
	case len(parts) == 2 && parts[0] == "github":
		v, ok := p.sc.github[parts[1]]
		if !ok {
			return exprValue{}, fmt.Errorf("the replay has no github.%s", parts[1])
		}
		return exprValue{s: v}, nil
	case len(parts) >= 3 && parts[0] == "needs":
		need, ok := p.sc.needs[parts[1]]
		switch {
		case !ok:
			return exprValue{}, fmt.Errorf("job %q is not among the job's needs", parts[1])
		case len(parts) == 3 && parts[2] == "result":
			return exprValue{s: need.result}, nil
		case len(parts) == 4 && parts[2] == "outputs":
			return exprValue{s: need.outputs[parts[3]]}, nil
		}
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
		outs, ok := p.sc.steps[parts[1]]
		if !ok {
			return exprValue{}, fmt.Errorf("the job has no step %q", parts[1])
		}
		return exprValue{s: outs[parts[3]]}, nil
	}
	return exprValue{}, fmt.Errorf("the replay does not read %q", tok)
}

func TestExpressions(t *testing.T) {
	sc := &exprScope{
		secrets: map[string]string{"TOKEN": "t0ken"},
		vars:    map[string]string{"MLCD_STORE": "s3://b/p"},
		github:  map[string]string{"event_name": "push"},
		needs:   map[string]*jobResult{"plan": {result: "success", outputs: map[string]string{"run": "r1"}}, "a": {result: "failure"}},
		steps:   map[string]map[string]string{"plan": {"run": "r2"}},
	}
	for src, want := range map[string]string{
		"${{ vars.MLCD_STORE || secrets.MLCD_STORE }}":                  "s3://b/p",
		"${{ vars.NONE || secrets.TOKEN }}":                             "t0ken",
		"x=${{ needs.plan.outputs.run }}/${{ steps.plan.outputs.run }}": "x=r1/r2",
		"${{ always() && needs.plan.result == 'success' }}":             "true",
		"${{ !cancelled() && needs.a.result == 'SUCCESS' }}":            "false",
		"${{ github.event_name }}":                                      "push",
	} {
		got, err := interpolate(src, sc)
		if err != nil || got != want {
			t.Errorf("interpolate(%q) = %q, %v; want %q", src, got, err, want)
		}
	}
	for _, src := range []string{
		"${{ github.token }}", "${{ needs.other.result }}", "${{ env.X }}", "${{ toJSON(secrets) }}",
		"${{ hashFiles('x') }}", "${{ steps.none.outputs.x }}", "${{ always }}", "${{ 1 + 2 }}", "${{ needs.plan }}",
	} {
		if _, err := interpolate(src, sc); err == nil {
			t.Errorf("interpolate(%q) passed; the replay must refuse what it does not know", src)
		}
	}
}
