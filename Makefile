# kovmon — make targets a newcomer can guess. `make run` and `make test` install what
# is missing (Go modules, the embedded ClickHouse engine and ECharts from npm into
# .deps/, Debian's chromium and poppler-utils) and need nothing set up by hand.

SHELL        := /bin/bash
CHDB_PKG     := @chdb/lib-linux-x64-gnu@26.7.3-stable.1
ECHARTS_PKG  := echarts@6.1.0
DEPS         := $(CURDIR)/.deps
CHDB_LIB     := $(DEPS)/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so
ECHARTS_JS   := $(DEPS)/echarts/node_modules/echarts/dist/echarts.min.js
BIN          := bin/kovmon
ADDR         ?= 127.0.0.1:8080
DATA         ?= ./data
# Each fuzz target's time in make test. It must cover the target's seed corpus first
# (FuzzFilterParams takes about 5 s for its seeds on the real engine), or go test fails.
FUZZTIME     ?= 15s
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export CHDB_LIB_PATH  := $(CHDB_LIB)
export KOVMON_ECHARTS := $(ECHARTS_JS)

.PHONY: deps build run test bench lint fuzz clean go-deps debian-deps

deps: go-deps $(CHDB_LIB) $(ECHARTS_JS) debian-deps

go-deps:
	go mod download

$(CHDB_LIB):
	mkdir -p $(DEPS)/chdb
	npm install --prefix $(DEPS)/chdb --no-save --no-audit --no-fund --loglevel=error $(CHDB_PKG)
	test -f $@

$(ECHARTS_JS):
	mkdir -p $(DEPS)/echarts
	npm install --prefix $(DEPS)/echarts --no-save --no-audit --no-fund --loglevel=error $(ECHARTS_PKG)
	test -f $@

# Chromium draws the pages in the browser tests and prints the PDF report;
# pdftotext (poppler-utils) checks that PDF.
debian-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi

build: go-deps $(CHDB_LIB) $(ECHARTS_JS)
	go build -o $(BIN) ./cmd/kovmon

# run: the report's PDF needs Chromium, so make run installs it as make test does.
run: build debian-deps
	./scripts/run.sh $(BIN) $(DATA) $(ADDR)

test: deps
	go vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	go test -count=1 -timeout 30m ./...
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

fuzz: deps
	FUZZTIME=2m ./scripts/fuzz.sh

# bench: every benchmark, then the latency of the running service. BenchmarkRefresh
# (metrics) times a full refresh over 5, 50 and 200 million usage events, and
# BenchmarkDailyFile a day's file of 100 000 rows loaded into the 50 million and the
# refresh after it (issue 18: under 0.5 s and 1.5 s on a quiet machine, 200 M at most
# 1.5 × 50 M), each with CPU seconds and the load average beside the wall time and the
# statements that took the most. Their data folders are made the first time, by SQL in
# the engine (in $TMPDIR/kovmon-bench-v1-N: 5 M in about 25 s and 0.7 GB, 50 M in about
# 5 min and 7 GB, 200 M in 9–25 min and 14–21 GB, whose background merges each
# run waits out before it measures); KOVMON_BENCH_EVENTS=5000000 (sizes,
# comma-separated) and KOVMON_BENCH_DAILY_INTO=5000000 for a quicker look;
# KOVMON_BENCH_COLD=1 drops the store's files from the page cache before each
# operation (a night's load after a day of other work). BenchmarkHostileFilesPeakMemory
# (ingest) writes issue 15's two hostile files once (a 10 MB gzip of 42.9 million
# repeated rows, 840 MB of invalid rows, in $TMPDIR/kovmon-bench) and fails when a
# load of either peaks over 600 MB. The latency steps load the demo into a temporary
# folder (about 15 s) and serve it; from a second process, cmd/kovmon-load keeps 20
# clients on GET /api/indicators?year=2018 for 25 s (fails when p95 is over 20 ms),
# then 100 clients for 60 s on the route mix of scripts/bench-routes.txt while two
# uploads of a million usage rows load (at 10 s and 30 s), and prints requests,
# errors, p50, p95 and p99 per route; it fails unless every request is answered 200,
# both uploads load, and p95 is under 50 ms on every route (issue 15).
# BenchmarkPageWeight (cmd/kovmon) loads the demo, serves it and fails when an
# indicator page transfers 700 kB or more with an empty browser cache, 100 kB or more
# with a warm one, or the HTML report 500 kB or more (issue 16); static files are
# served gzipped and named by their content, pages and the report compressed by the
# web layer's middleware.
# The ingest benchmarks of issue 18 (ingest) each load a usage file in fresh processes
# on fresh folders, ours against the engine's own INSERT … SELECT * FROM file(…,
# CSVWithNames), and print a table of wall and CPU seconds and peak memory under the
# load average: BenchmarkLoadUsage5M and BenchmarkLoadUsage20M in-process (about
# 20 s and 80 s on a quiet machine), BenchmarkReloadUsage20M 5 M rows into a table
# that holds 20 M, of new keys (attached) and with 1 % of the keys held (the copy;
# each of its three children loads and merges the 20 M first, about 5 min in all),
# BenchmarkIngestProcess whole processes (`kovmon ingest`, its refresh
# included) at 5 M and 20 M rows, three alternating pairs each (about 6 min). They
# write their files once (5 M rows 470 MB, 20 M rows 1.9 GB, in $TMPDIR/kovmon-bench,
# about 2 min) and need about 6 GB of temporary folder while they run;
# KOVMON_BENCH_PAIRS=1 and KOVMON_BENCH_PROCESS_ROWS=5000000 make a quicker look.
bench: deps build
	go test -run '^$$' -bench . -benchmem -timeout 90m ./...
	go build -o bin/kovmon-load ./cmd/kovmon-load
	@dir=$$(mktemp -d) addr=127.0.0.1:18080 pid=; trap '[ -n "$$pid" ] && kill $$pid && wait $$pid; rm -rf $$dir' EXIT; \
	$(BIN) --data $$dir/data demo >/dev/null || exit 1; \
	$(BIN) --data $$dir/data serve --addr $$addr --inbox $$dir/inbox >$$dir/serve.log 2>&1 & pid=$$!; \
	for i in $$(seq 100); do curl -sf -o /dev/null http://$$addr/healthz && break; sleep 0.2; done; \
	uptime; bin/kovmon-load -url "http://$$addr/api/indicators?year=2018" -c 20 -d 25s -max-p95 20ms && \
	uptime && bin/kovmon-load -base "http://$$addr" -mix scripts/bench-routes.txt -c 100 -d 60s \
		-upload usage:1000000@10s -upload usage:1000000@30s -max-p95 50ms; \
	status=$$?; uptime; exit $$status

# lint: go.mod must be what `go mod tidy` makes of it (every module the code imports
# listed, direct ones not marked indirect, nothing unused), then vet and gofmt.
lint:
	go mod tidy -diff
	go vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }

clean:
	rm -rf bin
