# mlcd — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
BIN       := bin/mlcd
# TAGS: build tags; mlcd_gcs adds gs:// stores, mlcd_s3only leaves out Azure (docs/store.md)
TAGS      ?=
GOBIN_DIR := $(CURDIR)/bin/tools
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(GOBIN_DIR)/staticcheck
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(GOBIN_DIR)/actionlint
# The workflows actionlint checks: ours, and the one `mlcd init` writes.
WORKFLOWS := $(wildcard .github/workflows/*.yml) cmd/mlcd/scaffold/files/github/workflows/mlcd.yml
# Git in tests must not read the machine's configuration.
export GIT_CONFIG_GLOBAL := /dev/null
export GIT_CONFIG_NOSYSTEM := 1

.PHONY: help build test lint fmt-check fmt vet staticcheck unit fuzz bench bench-dag bench-watch bench-registry bench-serve bench-report bench-tracking bench-scale bench-scale-store bench-scale-slurm demo demo-quickstart screenshots verify clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

build: ## Build bin/mlcd
	$(GO) build -trimpath -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mlcd

test: lint unit ## Lint, then run every test with the race detector

unit: $(ACTIONLINT) ## Run the tests with the race detector
	ACTIONLINT=$(ACTIONLINT) $(GO) test -race -count=1 -timeout 30m ./...
	$(GO) test -count=1 -tags mlcd_gcs -run 'TestBucket' ./cmd/mlcd

lint: fmt-check vet staticcheck actionlint ## gofmt check, go vet, staticcheck, actionlint

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

fmt: ## Format the code
	gofmt -w $$(git ls-files '*.go')

vet: ## go vet
	$(GO) vet ./...

$(STATICCHECK):
	GOBIN=$(GOBIN_DIR) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK) ## staticcheck
	$(STATICCHECK) ./...

$(ACTIONLINT):
	GOBIN=$(GOBIN_DIR) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

actionlint: $(ACTIONLINT) ## Check the GitHub Actions workflows
	$(ACTIONLINT) $(WORKFLOWS)

fuzz: ## Run each fuzz test for 30s
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 30s $$pkg || exit 1; \
		done; \
	done

bench: bench-dag bench-watch bench-registry bench-serve bench-report bench-tracking bench-scale ## Run every benchmark

bench-dag: build ## Time a 200-task no-op DAG: mlcd run vs make -j2, and fully cached
	./scripts/bench-dag.sh

bench-scale: bench-scale-store bench-scale-slurm ## Scale-out benchmarks (docs/scale-out.md): object store and Slurm

bench-scale-store: ## 200-task fan-out DAG, 1 MiB per task: folder store vs S3 (versitygw) on loopback, and fully cached from S3
	$(GO) run ./internal/scalebench

bench-scale-slurm: ## The fan-out DAG (BENCH_WIDTH parallel tasks, default 198) on a single-node Slurm: mlcd run vs sbatch --dependency by hand
	$(GO) test -run '^$$' -bench 'FanOut' -benchtime 1x -timeout 60m ./engine/slurm

bench-watch: ## Git and watcher: poll cost, push-to-first-task, recording into a long history
	$(GO) test -run '^$$' -bench 'RemoteHead' -benchtime 200x ./gitstore
	$(GO) test -run '^$$' -bench 'Publish' -benchtime 20x ./gitstore
	$(GO) test -run '^$$' -bench 'PushToFirstTask' -benchtime 10x ./controller

.PHONY: bench-git
bench-git: ## Git layer only: poll cost over HTTP, recording into 1,000 vs 10,000 records (flat and sharded)
	$(GO) test -run '^$$' -bench 'RemoteHead' -benchtime 200x ./gitstore
	$(GO) test -run '^$$' -bench 'Publish' -benchtime 20x -timeout 30m ./gitstore

# The server and wrk get a core each (GOMAXPROCS=1, one wrk thread): with both
# on both cores, the p99 measures their fight for the CPU, not the server.
bench-serve: ## Serving: native xgboost and the sklearn flavor vs Flask/gunicorn (wrk, c=8 and 32, 10 s runs, median of 3)
	$(GO) build -o bin/servebench ./internal/servebench
	GOMAXPROCS=1 ./bin/servebench -duration 10s -conns 8,32 -rounds 3 -threads 1

bench-report: ## Static report on a generated 10,000-run repo: full and incremental build, peak memory, Chromium load time
	$(GO) run ./internal/reportbench

bench-registry: ## Registry: load 200 models x 50 versions (warm, and cold as in a new process); diff two commits
	$(GO) test -run '^$$' -bench 'BenchmarkLoad$$|BenchmarkLoad_GitCommit|BenchmarkDiff|BenchmarkParse' -benchmem -count 5 ./registry
	$(GO) test -run '^$$' -bench 'BenchmarkLoadCold' -benchmem -count 5 ./registry

bench-tracking: ## MLflow endpoint: log-metric round trips, one keep-alive client and a 10-thread burst (p50, p99, req/s)
	@echo "MLflow 2.8.1's figures (20 ms p50, 380 req/s for log-metric, gunicorn + SQLite) are quoted from its issue, not measured here."
	$(GO) test -run '^$$' -bench 'TrackingLogMetric' -benchtime 20000x -count 3 ./executor

demo: build ## The whole CD4ML lifecycle of examples/churn: watch, train, promote, serve, retrain
	./scripts/demo.sh

screenshots: ## Pictures of the demo's report for the README (run make demo first)
	./scripts/screenshots.sh

demo-quickstart: build ## The quickstart example: a run, then a fully cached run
	./scripts/demo-quickstart.sh

verify: ## Fail when fmt or tidy would change the tree
	$(GO) mod tidy
	$(MAKE) fmt
	git diff --exit-code

clean: ## Remove build output
	rm -rf bin
