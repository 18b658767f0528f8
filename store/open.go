package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs
)

// Errors of opening a bucket store.
var (
	// ErrNoBucket is returned on opening a store whose bucket does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrNoCredentials is returned on opening a store when the cloud SDK
	// finds no credentials in its environment.
	ErrNoCredentials = errors.New("no credentials")
)

// BlobSchemes are the URL schemes of bucket stores. gs:// and azblob://
// work in programs that link their gocloud.dev drivers (the mlcd command
// links azblob://, and gs:// when built with -tags mlcd_gcs).
var BlobSchemes = []string{"s3", "gs", "azblob"}

// OpenURL opens the store at rawURL: a path or file:// URL is a Local
// store, created when missing; s3://, gs:// and azblob:// a Blob store,
// whose bucket must exist.
func OpenURL(ctx context.Context, rawURL string) (Store, error) {
	if IsBlobURL(rawURL) {
		return OpenBlob(ctx, rawURL)
	}
	return Open(rawURL)
}

// IsBlobURL reports whether rawURL names a bucket store.
func IsBlobURL(rawURL string) bool {
	scheme, _, ok := strings.Cut(rawURL, "://")
	return ok && slices.Contains(BlobSchemes, strings.ToLower(scheme))
}

// OpenBlob opens the bucket store at rawURL, scheme://bucket/prefix?query,
// where the query holds the parameters of gocloud.dev's URL opener of the
// scheme (for s3: endpoint, region, profile, use_path_style, ...). An s3://
// URL with an endpoint uses path-style requests unless it says otherwise,
// as S3-compatible servers expect. Credentials come from the cloud SDK's
// environment, never from the URL. Opening checks, with one request, that
// the credentials are there and the bucket exists.
func OpenBlob(ctx context.Context, rawURL string) (*Blob, error) {
	name, b, err := openBlob(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	return b, nil
}

// openBlob is OpenBlob with errors that leave naming the store, by name,
// to the caller.
func openBlob(ctx context.Context, rawURL string) (name string, _ *Blob, _ error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(an unparsable URL)", nil, errors.New("the URL does not parse") // its text may hold a secret
	}
	name = redactURL(u)
	if u.User != nil {
		return name, nil, errors.New("the URL holds credentials: give them in the environment instead")
	}
	scheme := strings.ToLower(u.Scheme)
	if u.Host == "" {
		return name, nil, fmt.Errorf("no bucket (want %s://bucket/prefix)", scheme)
	}
	if !blob.DefaultURLMux().ValidBucketScheme(scheme) {
		if scheme == "gs" {
			return name, nil, errors.New("this mlcd is built without Google Cloud Storage: build it with -tags mlcd_gcs " +
				"(make build TAGS=mlcd_gcs), or reach the bucket through GCS's S3-compatible API with HMAC keys: " +
				"s3://bucket/prefix?endpoint=https://storage.googleapis.com&region=auto")
		}
		return name, nil, fmt.Errorf("this program is built without the %s:// driver", scheme)
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" && CheckDocName(prefix) != nil {
		return name, nil, fmt.Errorf("bad prefix %q", prefix)
	}
	q := u.Query()
	if scheme == "s3" && q.Get("endpoint") != "" && q.Get("use_path_style") == "" && q.Get("s3ForcePathStyle") == "" {
		q.Set("use_path_style", "true")
	}
	opener := url.URL{Scheme: scheme, Host: u.Host, RawQuery: q.Encode()}
	b, err := blob.OpenBucket(ctx, opener.String())
	if err != nil {
		return name, nil, err
	}
	if err := checkBucket(ctx, b, scheme); err != nil {
		b.Close()
		return name, nil, err
	}
	if prefix != "" {
		b = blob.PrefixedBucket(b, prefix+"/")
	}
	return name, &Blob{bucket: b, name: name}, nil
}

// checkBucket makes sure, cheaply, that the store can be used: the SDK has
// credentials (and, for S3, a region), and the bucket exists.
func checkBucket(ctx context.Context, b *blob.Bucket, scheme string) error {
	var client *s3.Client
	if scheme == "s3" && b.As(&client) {
		o := client.Options()
		if o.Region == "" {
			return errors.New("no AWS region: add ?region=... to the URL or set AWS_REGION")
		}
		if o.Credentials != nil {
			if _, err := o.Credentials.Retrieve(ctx); err != nil {
				return fmt.Errorf("%w: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or another source of the AWS SDK: %w", ErrNoCredentials, err)
			}
		}
	}
	ok, err := b.IsAccessible(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoBucket
	}
	return nil
}

// safeParams are the query parameters a store's name keeps in messages;
// others are dropped, as they might carry a secret.
var safeParams = []string{"endpoint", "region", "profile", "use_path_style", "s3ForcePathStyle", "disable_https", "domain", "protocol"}

// redactURL is u for messages: no user info, and only the query
// parameters known to hold no secret (an endpoint without its user info),
// left unescaped to be read.
func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	var q []string
	for _, k := range safeParams {
		v := u.Query().Get(k)
		if v == "" {
			continue
		}
		if k == "endpoint" {
			if e, err := url.Parse(v); err == nil {
				e.User = nil
				v = e.String()
			} else {
				v = "(unparsable)"
			}
		}
		q = append(q, k+"="+v)
	}
	if len(q) == 0 {
		return r.String()
	}
	return r.String() + "?" + strings.Join(q, "&")
}
