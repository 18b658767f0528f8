package fakegithub

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// paginate returns the page of items the request asks for (per_page: default
// 30, at most 100; page from 1) and sets GitHub's Link header with the
// first, prev, next and last pages that exist.
func paginate[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) []T {
	q := r.URL.Query()
	per := 30
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	last := max(1, (len(items)+per-1)/per)
	var links []string
	link := func(p int, rel string) {
		q.Set("page", strconv.Itoa(p))
		u := s.srv.URL + strings.TrimSuffix(s.opts.BasePath, "/") + r.URL.Path + "?" + q.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=%q", u, rel))
	}
	if page > 1 {
		link(1, "first")
		link(min(page-1, last), "prev")
	}
	if page < last {
		link(page+1, "next")
		link(last, "last")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((page-1)*per, len(items))
	end := min(start+per, len(items))
	return items[start:end]
}
