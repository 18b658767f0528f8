package reports

import (
	"strconv"
)

// runs/all.js holds a line per run of the whole repository, for the
// runs table's "all runs" search: status, trigger, branch, commit, start,
// duration, the params and the promotion metric's values. The pages hold
// 100 runs each; with this file the table filters and sorts 10,000 runs
// in the browser, loaded only when asked for (about 200 bytes a run).

// runsData writes runs/all.js from the run summaries, newest first.
func (p *pass) runsData(rows []*runRow, paramCols []column) error {
	hash := pageHash("all", p.goals.Metric, columnNames(paramCols), p.forge.Base, rows)
	return p.emit("runs/all.js", hash, func() ([]byte, error) {
		return appendRunsData(make([]byte, 0, 256*len(rows)+1024), rows, p.m.names, paramCols), nil
	})
}

func columnNames(cols []column) string {
	var b []byte
	for _, c := range cols {
		b = append(b, c.Name...)
		b = append(b, 0)
	}
	return string(b)
}

// appendRunsData writes mlcdRuns({"params":[...],"promo":[...],"runs":[[sel,
// pipeline, id, status, trigger, branch, commit, start unix, duration s,
// [param values], [promotion metric values, null when missing]], ...]}).
func appendRunsData(b []byte, rows []*runRow, names *interner, paramCols []column) []byte {
	promo := promoColumns(rows, names)
	b = append(b, `mlcdRuns({"params":[`...)
	for i, c := range paramCols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.Name)
	}
	b = append(b, `],"promo":[`...)
	for i, c := range promo {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c)
	}
	b = append(b, `],"runs":[`...)
	paramAt := make(map[int32]int, len(paramCols))
	for i, c := range paramCols {
		paramAt[names.id(c.Name)] = i
	}
	promoAt := make(map[int32]int, len(promo))
	for i, c := range promo {
		promoAt[names.id(c)] = i
	}
	params := make([]string, len(paramCols))
	vals := make([]float64, len(promo))
	has := make([]bool, len(promo))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		if i < len(rows)-1 {
			b = append(b, ",\n"...)
		}
		b = append(b, '[')
		for _, s := range []string{r.sel(), r.Pipeline, r.ID, r.Status, r.Trigger, r.Branch, shortCommit(r.Commit)} {
			b = appendJSONString(b, s)
			b = append(b, ',')
		}
		var start int64
		if !r.Start.IsZero() {
			start = r.Start.Unix()
		}
		b = strconv.AppendInt(b, start, 10)
		b = append(b, ',')
		b = appendJSONFloat(b, round1(seconds(r.Start, r.End)))
		b = append(b, ",["...)
		clear(params)
		for j, k := range r.ParamKeys {
			if c, ok := paramAt[k]; ok {
				params[c] = r.ParamVals[j]
			}
		}
		for j, v := range params {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, "],["...)
		clear(has)
		for j, k := range r.PromoKeys {
			if c, ok := promoAt[k]; ok && finite(r.PromoVals[j]) {
				vals[c], has[c] = r.PromoVals[j], true
			}
		}
		for j := range promo {
			if j > 0 {
				b = append(b, ',')
			}
			if has[j] {
				b = appendJSONFloat(b, vals[j])
			} else {
				b = append(b, "null"...)
			}
		}
		b = append(b, "]]"...)
	}
	return append(b, "]});\n"...)
}
