#!/bin/sh
# Workload B: what a user of the shop does next: every page, not just the
# health check. Prints status and body of each request.
set -u
get() { echo "== $1"; curl -s -w '\nstatus %{http_code}\n' "http://127.0.0.1:18120$1"; }
get /
get /items/7
get /items/99
get /report
get "/report?currency=USD"
get /static/style.css
get /broken
get /api/items
