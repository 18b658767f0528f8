package s3test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/mlcd-dev/mlcd/internal/freeport"
	"github.com/mlcd-dev/mlcd/internal/proctest"
)

// Binary is the S3 gateway the server runs.
const Binary = "versitygw"

// ErrNotInstalled is returned by Start when versitygw is not on PATH.
var ErrNotInstalled = errors.New(Binary + " is not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")

// Server is a running versitygw.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Access   string
	Secret   string
	Region   string
	// Root is the posix backend's folder: each bucket is a folder in it and
	// each object a file under its key.
	Root string

	cmd    *exec.Cmd
	stderr *proctest.Output
	done   chan error
}

// startAttempts bounds how often Start tries a new port.
const startAttempts = 3

// errPortTaken is why versitygw exits when another process took its port
// between the pick and its start.
var errPortTaken = errors.New("the port was taken")

// Start runs versitygw on a free loopback port with its backend in dir
// (which must exist) and waits until it answers. The port is picked free
// and released before versitygw listens on it; when another process took
// it meanwhile, Start tries another.
func Start(ctx context.Context, dir string) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, ErrNotInstalled
	}
	for attempt := 1; ; attempt++ {
		s, err := start(ctx, bin, dir)
		if err == nil || attempt == startAttempts || !errors.Is(err, errPortTaken) {
			return s, err
		}
	}
}

func start(ctx context.Context, bin, dir string) (*Server, error) {
	port, err := pickPort()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", Binary, err)
	}
	root := filepath.Join(dir, "posix")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("start %s: %w", Binary, err)
	}
	// Credentials of this server only: waitReady must not take another
	// test package's versitygw, which got the port, for this one.
	id := strings.ToLower(rand.Text()[:12])
	s := &Server{
		Endpoint: "http://" + port, Access: "mlcdtest" + id, Secret: "mlcdtestsecret" + id,
		Region: "us-east-1", Root: root, stderr: &proctest.Output{}, done: make(chan error, 1),
	}
	s.cmd = exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--region", s.Region, "--port", port, "posix", root)
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", Binary, err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.waitReady(ctx, port); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// pickPort picks versitygw's port: freePort, or in a test a port another
// process holds.
var pickPort = freePort

// freePort is a free port on the loopback address, picked where no
// outgoing connection takes it before versitygw binds it.
func freePort() (string, error) {
	p, err := freeport.Pick()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

// waitReady waits until the server lists its buckets for its own user
// (a port that merely accepts connections may be another process's, even
// another versitygw, which does not know this server's credentials), for
// the process to exit, or for a minute to pass.
func (s *Server) waitReady(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint), Region: s.Region, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.Access, s.Secret, ""),
		Retryer:     aws.NopRetryer{},
	})
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListBuckets(actx, &s3.ListBucketsInput{})
		acancel()
		if err == nil {
			return nil
		}
		select {
		case err := <-s.done:
			s.done <- err
			if strings.Contains(s.stderr.String(), "address already in use") {
				return fmt.Errorf("%s on %s: %w\n%s", Binary, addr, errPortTaken, s.stderr.String())
			}
			return fmt.Errorf("%s exited: %v\n%s", Binary, err, s.stderr.String())
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s: %w\n%s", Binary, addr, ctx.Err(), s.stderr.String())
		case <-tick.C:
		}
	}
}

// Close stops the server.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Log is what the server wrote.
func (s *Server) Log() string { return s.stderr.String() }

// Env is the AWS SDK environment for the server's root user, with every
// other source of credentials and config turned off.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           s.Access,
		"AWS_SECRET_ACCESS_KEY":       s.Secret,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
}

// Setenv puts Env in the test's environment (so the test cannot be
// parallel).
func (s *Server) Setenv(t testing.TB) {
	t.Helper()
	for k, v := range s.Env() {
		t.Setenv(k, v)
	}
}

// URL is the store URL of prefix in bucket on this server.
func (s *Server) URL(bucket, prefix string) string {
	q := url.Values{"endpoint": {s.Endpoint}, "region": {s.Region}}
	return "s3://" + bucket + "/" + prefix + "?" + q.Encode()
}

// Client is an S3 client of the server's root user.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       s.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(s.Access, s.Secret, ""),
		UsePathStyle: true,
	})
}

// CreateBucket creates a bucket through the S3 API.
func (s *Server) CreateBucket(ctx context.Context, name string) error {
	_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// NewBucket creates a bucket with a fresh name for the test.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("mlcd-test-%d", bucketSeq.Add(1))
	if err := s.CreateBucket(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

var bucketSeq atomic.Int64
