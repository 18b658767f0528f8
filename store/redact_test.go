package store

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// A bucket store's name in messages never shows its URL's password or
// the value of a query parameter that may hold a secret.
func FuzzLocation_String(f *testing.F) {
	for _, seed := range []string{
		"s3://bucket/prefix?endpoint=http://127.0.0.1:7070&region=us-east-1",
		"s3://AKIA:s3cr3t@bucket/p?sas_token=hush&region=x",
		"azblob://container/p?sig=abcdef&domain=example.net",
		"gs://b?endpoint=http://user:pass@host:1/&x=%zz",
		"/var/lib/mlcd/store",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := Location{URL: raw, Source: "--store"}.String()
		if !IsBlobURL(raw) {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			if got != "(an unparsable URL) (--store)" {
				t.Fatalf("String() of an unparsable URL = %q", got)
			}
			return
		}
		shown := u.Host + u.Path
		var secrets []string
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		for k, vs := range u.Query() {
			if slices.Contains(safeParams, k) {
				shown += strings.Join(vs, "")
			} else {
				secrets = append(secrets, vs...)
			}
		}
		for _, s := range secrets {
			if len(s) >= 4 && !strings.Contains(shown, s) && !strings.Contains(u.Scheme+"://?=&", s) && strings.Contains(got, s) {
				t.Fatalf("String() of %q = %q shows %q", raw, got, s)
			}
		}
	})
}
