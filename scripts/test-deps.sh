#!/usr/bin/env bash
# scripts/test-deps.sh — install what the tests need from Debian's packages,
# only when missing: Debian's python3-openpyxl (read by /usr/bin/python3)
# and LibreOffice Calc (headless, converts the workbooks to PDF): the two
# other readers of the workbooks we write; and Debian's prometheus, whose
# promtool checks the /metrics output and the shipped alerting rules
# (internal/metrics, deploy/prometheus) and whose server scrapes a
# metrics endpoint in one integration test; and Debian's
# chromium-headless-shell, the browser the status pages' tests drive
# (internal/web, through chromedp). MariaDB is installed and started by
# scripts/mariadb.sh.
#
# libreoffice-calc without recommends, measured on this project's Debian 12
# machine: 62 packages, 92 MB downloaded in 3 s, unpacked in 12 s (apt's
# own log: 14 s for the whole install). A minimal Debian image lacks more
# of its libraries: allow up to about 1–2 minutes there. Installed once.
set -euo pipefail
need=()
if ! /usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1; then
	need+=(python3-openpyxl)
fi
if ! command -v libreoffice >/dev/null 2>&1; then
	need+=(libreoffice-calc)
fi
if ! command -v promtool >/dev/null 2>&1; then
	need+=(prometheus)
fi
if [ ! -x /usr/bin/chromium-headless-shell ]; then
	need+=(chromium-headless-shell)
fi
if [ ${#need[@]} -gt 0 ]; then
	echo "test-deps.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
