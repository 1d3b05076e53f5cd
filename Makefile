# pushaudit — see README.md. Every target installs or starts what it needs.
GO        ?= go
GOFLAGS   ?=
# The snapshot engine writes into DuckDB through its Arrow interface, which
# duckdb-go compiles only with this tag (without it: the slower Appender).
TAGS      := -tags=duckdb_arrow
BIN       := bin/pushaudit
PKGS      := ./...
# Integration tests run against the project's own MariaDB (scripts/mariadb.sh).
MARIADB   := scripts/mariadb.sh

.PHONY: build demo demo-serve test test-unit bench fuzz chaos lint clean mariadb-start mariadb-stop deps-test

# pushaudit-demodb, the embedded MySQL server of `pushaudit demo`, is a
# binary of its own: linked into pushaudit it cost every command 0.26 s.
build:
	$(GO) build $(TAGS) $(GOFLAGS) -o $(BIN) ./cmd/pushaudit
	$(GO) build $(GOFLAGS) -o bin/pushaudit-demodb ./cmd/pushaudit-demodb

## demo: the whole job on an embedded MySQL server; nothing to install.
# Logs at warn: the info lines (one per table loaded, 180 of them) bury
# the summary a newcomer reads; bin/pushaudit demo alone logs at info.
demo: build
	./$(BIN) --log-level warn demo --out out

## demo-serve: the daemon over a simulated day (the last of the demo's),
# its clock 600 times faster: every run printed as it happens; it stops by
# itself after the day (about 2.5 minutes of schedule, more while runs
# queue behind a slow embedded server).
demo-serve: build
	./$(BIN) --log-level warn demo --out out --serve-speed 600

deps-test:
	scripts/test-deps.sh

mariadb-start:
	$(MARIADB) start >/dev/null

mariadb-stop:
	$(MARIADB) stop

## test: unit and integration tests; installs and starts MariaDB itself.
test: deps-test mariadb-start
	PUSHAUDIT_REQUIRE_BROWSER=1 PUSHAUDIT_MYSQL_DSN="$$($(MARIADB) dsn)" PUSHAUDIT_MYSQL_TLS_CA="$$($(MARIADB) tls-ca)" $(GO) test $(TAGS) $(GOFLAGS) -timeout 30m -count=1 $(PKGS)

## test-unit: only what needs no server (integration tests skip).
test-unit:
	$(GO) test $(TAGS) $(GOFLAGS) -count=1 $(PKGS)

## bench: benchmarks that print ratios against a baseline measured in the same run.
bench: build mariadb-start
	PUSHAUDIT_MYSQL_DSN="$$($(MARIADB) dsn)" PUSHAUDIT_MYSQL_TLS_CA="$$($(MARIADB) tls-ca)" scripts/bench.sh

## chaos: SIGKILL of snapshot, reconcile, report and serve at random moments, 20 times each.
chaos: mariadb-start
	PUSHAUDIT_CHAOS_KILLS=20 PUSHAUDIT_MYSQL_DSN="$$($(MARIADB) dsn)" $(GO) test $(TAGS) -count=1 -timeout 90m -run '^TestChaos_' -v ./cmd/pushaudit

## fuzz: every fuzz target for FUZZTIME (default 5m) each; keeps the corpus in testdata/fuzz.
fuzz:
	scripts/fuzz.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet $(TAGS) $(PKGS)
	$(GO) vet $(PKGS)

clean:
	rm -rf bin out
