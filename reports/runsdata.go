package reports

import (
	"strconv"
	"strings"
)

// runs/all-<k>.js hold a line per run of runs page k, for the runs
// table's "all runs" search: status, trigger, branch, commit, start,
// duration, the params and the promotion metric's values. The pages hold
// 100 runs each; with these files, loaded only when asked for (about 200
// bytes a run), the table filters and sorts 10,000 runs in the browser.
// Like the pages, only the last one changes when a run is added.

// runsChunks writes runs/all.js, which says how many runs/all-<k>.js
// there are: the older pages, not written again, cannot.
func (p *pass) runsChunks(pages int) error {
	n := strconv.Itoa(pages)
	return p.emit("runs/all.js", "chunks\x00"+n, func() ([]byte, error) {
		return []byte("mlcdRunsChunks(" + n + ");\n"), nil
	})
}

// runsData writes runs/all-<k>.js for the runs of page k, newest first.
func (p *pass) runsData(k int, chunk []*runRow, paramCols []column, promo []string, colsHash string) error {
	hash := pageHash("all", colsHash, p.goals.Metric, columnNames(paramCols), strings.Join(promo, "\x00"), chunk)
	return p.emit("runs/all-"+strconv.Itoa(k)+".js", hash, func() ([]byte, error) {
		return appendRunsData(make([]byte, 0, 256*len(chunk)+1024), k, chunk, p.m.names, paramCols, promo), nil
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

// appendRunsData writes mlcdRuns({"page":k,"params":[...],"promo":[...],"runs":[[sel,
// pipeline, id, status, trigger, branch, commit, start unix, duration s,
// [param values], [promotion metric values, null when missing]], ...]}).
func appendRunsData(b []byte, page int, rows []*runRow, names *interner, paramCols []column, promo []string) []byte {
	b = append(b, `mlcdRuns({"page":`...)
	b = strconv.AppendInt(b, int64(page), 10)
	b = append(b, `,"params":[`...)
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
