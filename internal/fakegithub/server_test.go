package fakegithub

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// call sends one request to the fake and decodes a JSON answer into out.
func call(t *testing.T, s *Server, method, path, body string, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+strings.TrimPrefix(path, "/"), rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp
}

func TestServer_Pagination(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	p := s.AddPR(PR{Title: "t", HeadRef: "b", BaseRef: "main"})
	for i := 0; i < 5; i++ {
		if _, err := s.AddComment(p.Number, "someone", "c"); err != nil {
			t.Fatal(err)
		}
	}
	var page []commentJSON
	resp := call(t, s, "GET", "/repos/octo/repo/issues/1/comments?per_page=2&page=2", "", &page)
	if len(page) != 2 {
		t.Fatalf("page 2 has %d comments, want 2", len(page))
	}
	base := s.URL() + "repos/octo/repo/issues/1/comments?"
	want := `<` + base + `page=1&per_page=2>; rel="first", <` + base + `page=1&per_page=2>; rel="prev", <` +
		base + `page=3&per_page=2>; rel="next", <` + base + `page=3&per_page=2>; rel="last"`
	if diff := cmp.Diff(want, resp.Header.Get("Link")); diff != "" {
		t.Errorf("Link (-want +got):\n%s", diff)
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
}

func TestServer_FailNext(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Token: "secret"})
	reset := time.Now().Add(time.Minute).Truncate(time.Second)
	s.FailNext(1, ServerError(http.StatusBadGateway))
	s.FailNext(1, RateLimited(reset))
	s.FailNext(1, Failure{Status: http.StatusNotFound, Method: "POST", PathSuffix: "/pulls"})

	if got := call(t, s, "GET", "/repos/octo/repo/pulls", "", nil).StatusCode; got != http.StatusBadGateway {
		t.Errorf("first request: status %d, want 502", got)
	}
	resp := call(t, s, "GET", "/repos/octo/repo/pulls", "", nil)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("second request: status %d remaining %q, want 403 and 0", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
	var list []pullJSON
	if got := call(t, s, "GET", "/repos/octo/repo/pulls", "", &list).StatusCode; got != http.StatusOK {
		t.Errorf("third request (GET does not match the POST failure): status %d", got)
	}
	if got := call(t, s, "POST", "/repos/octo/repo/pulls", `{}`, nil).StatusCode; got != http.StatusNotFound {
		t.Errorf("POST: status %d, want the programmed 404", got)
	}
	var got []int
	for _, r := range s.Requests() {
		got = append(got, r.Status)
	}
	if diff := cmp.Diff([]int{502, 403, 200, 404}, got); diff != "" {
		t.Errorf("recorded statuses (-want +got):\n%s", diff)
	}
}

func TestServer_Auth(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Token: "other"})
	var e errorJSON
	if got := call(t, s, "GET", "/repos/octo/repo/pulls", "", &e).StatusCode; got != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", got)
	}
	if e.Message != "Bad credentials" {
		t.Errorf("message %q", e.Message)
	}
	s2 := Start(t, Options{})
	if got := call(t, s2, "GET", "/repos/octo/elsewhere/pulls", "", nil).StatusCode; got != http.StatusNotFound {
		t.Errorf("unknown repository: status %d, want 404", got)
	}
}

func TestServer_CreatePull(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.SetBranch("main", "aaa")
	body := `{"title":"Promote","head":"octo:feature","base":"main","body":"b"}`
	if got := call(t, s, "POST", "/repos/octo/repo/pulls", body, nil).StatusCode; got != http.StatusUnprocessableEntity {
		t.Errorf("unknown head: status %d, want 422", got)
	}
	s.SetBranch("feature", "bbb")
	var p pullJSON
	if got := call(t, s, "POST", "/repos/octo/repo/pulls", body, &p).StatusCode; got != http.StatusCreated {
		t.Fatalf("create: status %d", got)
	}
	if p.Head.SHA != "bbb" || p.Base.Ref != "main" || p.User.Login != "mlcd-bot" || p.Merged == nil || *p.Merged {
		t.Errorf("created %+v", p)
	}
	var e errorJSON
	if got := call(t, s, "POST", "/repos/octo/repo/pulls", body, &e).StatusCode; got != http.StatusUnprocessableEntity {
		t.Errorf("duplicate: status %d, want 422", got)
	}
	if len(e.Errors) != 1 || !strings.Contains(e.Errors[0].Message, "already exists") {
		t.Errorf("duplicate errors %+v", e.Errors)
	}
	var list []pullJSON
	call(t, s, "GET", "/repos/octo/repo/pulls?head=feature", "", &list)
	if len(list) != 1 {
		t.Errorf("head without owner is ignored as GitHub does: got %d pulls, want 1", len(list))
	}
	call(t, s, "GET", "/repos/octo/repo/pulls?head=octo:other", "", &list)
	if len(list) != 0 {
		t.Errorf("head octo:other: got %d pulls, want 0", len(list))
	}
}

func TestServer_CombinedStatus(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	sha := "0123456789abcdef0123456789abcdef01234567"
	call(t, s, "POST", "/repos/octo/repo/statuses/"+sha, `{"state":"failure","context":"mlcd"}`, nil)
	call(t, s, "POST", "/repos/octo/repo/statuses/"+sha, `{"state":"success","context":"mlcd"}`, nil)
	call(t, s, "POST", "/repos/octo/repo/statuses/"+sha, `{"state":"pending","context":"ci"}`, nil)
	long := `{"state":"success","description":"` + strings.Repeat("x", 141) + `"}`
	if got := call(t, s, "POST", "/repos/octo/repo/statuses/"+sha, long, nil).StatusCode; got != http.StatusUnprocessableEntity {
		t.Errorf("141-char description: status %d, want 422", got)
	}
	var c combinedJSON
	call(t, s, "GET", "/repos/octo/repo/commits/"+sha+"/status", "", &c)
	got := map[string]string{"": c.State}
	for _, st := range c.Statuses {
		got[st.Context] = st.State
	}
	if diff := cmp.Diff(map[string]string{"": "pending", "ci": "pending", "mlcd": "success"}, got); diff != "" {
		t.Errorf("combined status (-want +got):\n%s", diff)
	}
	if n := len(s.Statuses(sha)); n != 3 {
		t.Errorf("%d statuses stored, want 3", n)
	}
}

func TestServer_RecordsBodies(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	p := s.AddPR(PR{Title: "t", HeadRef: "b", BaseRef: "main"})
	call(t, s, "PATCH", "/repos/octo/repo/pulls/1", `{"body":"new"}`, nil)
	reqs := s.Requests()
	if len(reqs) != 1 || !bytes.Equal(reqs[0].Body, []byte(`{"body":"new"}`)) || reqs[0].Path != "/repos/octo/repo/pulls/1" {
		t.Fatalf("requests %+v", reqs)
	}
	if got := s.PRs()[0]; got.Body != "new" || got.Title != p.Title {
		t.Errorf("after PATCH: %+v", got)
	}
}

func TestServer_RateLimitSpent(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{RateLimit: 2})
	var got []string
	for i := 0; i < 3; i++ {
		resp := call(t, s, "GET", "/repos/octo/repo/pulls", "", nil)
		got = append(got, resp.Status[:3]+" remaining="+resp.Header.Get("X-RateLimit-Remaining"))
	}
	want := []string{"200 remaining=1", "200 remaining=0", "403 remaining=0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}
