// Package s3test runs a real S3 server for tests: Versity's S3 gateway
// (versitygw) with its posix backend on a temporary folder, listening on
// loopback, started and stopped by the test package that uses it. It also
// has a TCP proxy that can cut connections after some bytes, to test
// uploads that die half way.
//
// It is for tests only; nothing outside tests imports it.
package s3test
