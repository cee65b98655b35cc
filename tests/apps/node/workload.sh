#!/bin/sh
# Workload B: the pages and reports a user of the inventory server asks for.
set -u
get() { echo "== $1"; curl -s -w '\nstatus %{http_code}\n' "http://127.0.0.1:18140$1"; }
for p in / /items /items/12 /items/999 /report /report.csv /nowhere; do get "$p"; done
