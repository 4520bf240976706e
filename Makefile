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

# bench: every benchmark, then the API latency. BenchmarkPageWeight (cmd/kovmon) loads
# the demo, serves it and fails when an indicator page transfers 700 kB or more with an
# empty browser cache, 100 kB or more with a warm one, or the HTML report 500 kB or
# more (issue 16). The static files are served gzipped and named by their content;
# the pages and the report are HTML, compressed by the web layer's middleware. BenchmarkIndicators50M (metrics) makes
# its 50-million-event data folder the first time (about 6 min and 7.3 GB in
# $TMPDIR/kovmon-bench-v1-50000000) and then takes about 3 s a refresh; set
# KOVMON_BENCH_EVENTS=5000000 for a quicker look. The latency step loads the demo
# into a temporary folder (about 15 s), serves it and keeps 20 clients on
# GET /api/indicators?year=2018 for 25 s from a second process; it fails when p95 is
# over 20 ms. Measured (2 cores, load average 7–12 from other work): 3.0 s a refresh,
# p95 6.7 ms with the web layer reading through metrics.Reader.Encoded.
bench: deps build
	go test -run '^$$' -bench . -benchmem -timeout 60m ./...
	go build -o bin/kovmon-load ./cmd/kovmon-load
	@dir=$$(mktemp -d) addr=127.0.0.1:18080 pid=; trap '[ -n "$$pid" ] && kill $$pid && wait $$pid; rm -rf $$dir' EXIT; \
	$(BIN) --data $$dir/data demo >/dev/null || exit 1; \
	$(BIN) --data $$dir/data serve --addr $$addr --inbox $$dir/inbox >$$dir/serve.log 2>&1 & pid=$$!; \
	for i in $$(seq 100); do curl -sf -o /dev/null http://$$addr/healthz && break; sleep 0.2; done; \
	uptime; bin/kovmon-load -url "http://$$addr/api/indicators?year=2018" -c 20 -d 25s -max-p95 20ms

lint:
	go vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }

clean:
	rm -rf bin
