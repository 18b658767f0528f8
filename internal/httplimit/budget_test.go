package httplimit

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBudget_CutsABodyWithoutLengthAtItsReservation: a request that sends
// no Content-Length reserves perRequest and cannot send more than that, so
// the budget holds for chunked bodies too; its reservation is freed after.
func TestBudget_CutsABodyWithoutLengthAtItsReservation(t *testing.T) {
	t.Parallel()
	b := NewBudget(1<<10, 1<<10, 50*time.Millisecond)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := b.Admit(w, r)
		if done == nil {
			w.Header().Set("Retry-After", b.RetryAfter())
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		defer done()
		_, err := io.ReadAll(r.Body)
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	defer srv.Close()
	post := func(body io.Reader) int {
		resp, err := http.Post(srv.URL, "text/plain", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// io.MultiReader hides the length: the body is sent chunked.
	if got := post(io.MultiReader(strings.NewReader(strings.Repeat("x", 4<<10)))); got != http.StatusRequestEntityTooLarge {
		t.Errorf("a 4 KiB chunked body against a 1 KiB reservation: %d, want 413", got)
	}
	if got := post(strings.NewReader("small")); got != http.StatusOK {
		t.Errorf("after it, a small body: %d, want 200 (the reservation was not freed?)", got)
	}
}
