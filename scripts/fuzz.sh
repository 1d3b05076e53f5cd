#!/usr/bin/env bash
# scripts/fuzz.sh — run every fuzz target of the project for FUZZTIME each
# (default 5m), one after another, and keep what the fuzzer found
# interesting as seed corpus in the repository (PKG/testdata/fuzz/NAME/),
# where every plain `go test` runs it again.
#
# Usage: scripts/fuzz.sh [NAME...]   (default: all targets below)
# Environment: FUZZTIME (go test -fuzztime, default 5m), FUZZ_LOG (a file
# the summary lines are appended to, default testdata/fuzz.log, the record
# of the hours fuzzed that the README quotes).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-5m}"
LOG="${FUZZ_LOG:-testdata/fuzz.log}"
# name package: the config parser, the site catalog, the window
# arithmetic, the receipt readers, the MySQL wire decoders and the UTF-8
# check of text values.
targets=(
	"FuzzParse ./internal/config"
	"FuzzParseCatalog ./pipelines"
	"FuzzWindowArithmetic ./pipelines"
	"FuzzReceiptCSV ./internal/evidence"
	"FuzzReceiptJSON ./internal/evidence"
	"FuzzWireResponse ./internal/mysqlwire"
	"FuzzAddWire ./internal/mysqlarrow"
	"FuzzValidUTF8 ./internal/mysqlarrow"
)
want=("$@")
cache="$(go env GOCACHE)/fuzz"
mod="$(go list -m)"
for t in "${targets[@]}"; do
	set -- $t
	name=$1 pkg=$2
	if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then
		continue
	fi
	start=$(date +%s)
	out=$(go test -tags=duckdb_arrow -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -parallel 1 "$pkg" 2>&1) || {
		echo "$out" >&2
		echo "fuzz.sh: $name in $pkg FAILED (the failing input is under $pkg/testdata/fuzz/$name)" >&2
		exit 1
	}
	secs=$(( $(date +%s) - start ))
	execs=$(echo "$out" | grep -o 'execs: [0-9]*' | tail -1 | awk '{print $2}')
	# Keep the fuzzer's interesting inputs as seed corpus.
	src="$cache/$mod/${pkg#./}/$name"
	dst="$pkg/testdata/fuzz/$name"
	kept=0
	if [ -d "$src" ]; then
		mkdir -p "$dst"
		for f in "$src"/*; do
			[ -f "$f" ] || continue
			[ "$(stat -c %s "$f")" -le 8192 ] || continue
			cp -n "$f" "$dst/" && kept=$((kept + 1))
		done
	fi
	line="$(date -u +%FT%TZ) $name $pkg: ${secs}s, ${execs:-?} execs, corpus in $dst ($(ls "$dst" 2>/dev/null | wc -l) files)"
	echo "$line" | tee -a "$LOG"
done
