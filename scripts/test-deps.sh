#!/usr/bin/env bash
# scripts/test-deps.sh — install what the tests need from Debian's packages,
# only when missing: Debian's python3-openpyxl (read by /usr/bin/python3, a
# second reader of the workbooks we write). MariaDB is installed and started
# by scripts/mariadb.sh.
set -euo pipefail
need=()
if ! /usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1; then
	need+=(python3-openpyxl)
fi
if [ ${#need[@]} -gt 0 ]; then
	echo "test-deps.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
