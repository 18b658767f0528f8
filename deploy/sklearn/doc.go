// Package sklearn is the scikit-learn flavor of the deployer: it serves a
// pickled estimator or pipeline (pickle, joblib or cloudpickle) with a pool
// of Python worker processes that only predict. The scoring protocol stays
// in Go (deploy/scoring parses and checks every request, as for the native
// flavors); workers receive compact binary batches (a little-endian float64
// matrix with a small header) over their stdin and answer on their stdout.
//
// Concurrent requests are gathered into one predict call (micro-batching,
// bounded by rows and by a short wait) and the results split back per
// request. A worker that dies is replaced with backoff, and the requests
// it was scoring are answered 503 at once.
//
// The worker program is embedded in the binary (worker.py) and run with
// python3, which must have scikit-learn and numpy (and pandas for models
// fitted on data frames). The package knows nothing of the registry or the
// gateway.
package sklearn
