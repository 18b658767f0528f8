package watcher

import (
	"net/url"
	"strings"
	"testing"
)

func TestParsePush(t *testing.T) {
	t.Parallel()
	const sha = "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5"
	tests := []struct {
		name, contentType, body string
		want                    Push
		wantErr                 string
	}{
		{name: "branch", body: `{"ref":"refs/heads/main","before":"b","after":"` + sha + `","repository":{"full_name":"acme/churn"}}`,
			want: Push{Repository: "acme/churn", Ref: "refs/heads/main", Branch: "main", Before: "b", After: sha}},
		{name: "branch with a slash", body: `{"ref":"refs/heads/feature/x","after":"` + sha + `"}`,
			want: Push{Ref: "refs/heads/feature/x", Branch: "feature/x", After: sha}},
		{name: "tag", body: `{"ref":"refs/tags/v1","after":"` + sha + `"}`, want: Push{Ref: "refs/tags/v1", After: sha}},
		{name: "deleted", body: `{"ref":"refs/heads/main","deleted":true,"after":"0000000000000000000000000000000000000000"}`,
			want: Push{Ref: "refs/heads/main", Branch: "main"}},
		{name: "sha256 repository", body: `{"ref":"refs/heads/main","after":"` + sha + `0123456789abcdef01234567"}`,
			want: Push{Ref: "refs/heads/main", Branch: "main", After: sha + "0123456789abcdef01234567"}},
		{name: "form", contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body: "payload=" + url.QueryEscape(`{"ref":"refs/heads/main","after":"`+sha+`"}`),
			want: Push{Ref: "refs/heads/main", Branch: "main", After: sha}},
		{name: "form without payload", contentType: "application/x-www-form-urlencoded", body: "a=b", wantErr: "without a payload"},
		{name: "short ref", body: `{"ref":"main","after":"` + sha + `"}`, wantErr: "not a full ref name"},
		{name: "no ref", body: `{"after":"` + sha + `"}`, wantErr: "not a full ref name"},
		{name: "abbreviated after", body: `{"ref":"refs/heads/main","after":"59b20b8"}`, wantErr: "not a commit id"},
		{name: "upper-case after", body: `{"ref":"refs/heads/main","after":"` + strings.ToUpper(sha) + `"}`, wantErr: "not a commit id"},
		{name: "not JSON", body: `ref=main`, wantErr: "push payload"},
		{name: "wrong type", body: `{"ref":1}`, wantErr: "push payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePush(tt.contentType, []byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parsePush error = %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parsePush = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParsePush(f *testing.F) {
	f.Add("application/json", readFixture(f, "push.json"))
	f.Add("application/json", readFixture(f, "ping.json"))
	f.Add("application/x-www-form-urlencoded", []byte("payload="+url.QueryEscape(string(readFixture(f, "push.json")))))
	f.Add("application/x-www-form-urlencoded", []byte("payload=%zz"))
	f.Add("", []byte(`{"ref":"refs/heads/main","deleted":true}`))
	f.Add("text/plain; charset", []byte(`null`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		p, err := parsePush(contentType, body)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p.Ref, "refs/") {
			t.Errorf("accepted ref %q", p.Ref)
		}
		if p.Branch != "" && p.Ref != "refs/heads/"+p.Branch {
			t.Errorf("branch %q from ref %q", p.Branch, p.Ref)
		}
		if p.After != "" && !isCommitID(p.After) {
			t.Errorf("accepted after %q", p.After)
		}
	})
}

func FuzzValidSignature(f *testing.F) {
	f.Add([]byte("secret"), []byte(`{"ref":"refs/heads/main"}`), "sha256=00")
	f.Add([]byte("s"), []byte{}, "")
	f.Add([]byte("s"), []byte("x"), "sha256=")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		if len(secret) == 0 {
			return
		}
		if !ValidSignature(secret, body, sign(secret, body)) {
			t.Fatal("the right signature is refused")
		}
		if header != sign(secret, body) && !strings.EqualFold(header, sign(secret, body)) && ValidSignature(secret, body, header) {
			t.Errorf("signature %q accepted", header)
		}
	})
}
