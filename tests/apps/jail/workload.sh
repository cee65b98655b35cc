#!/bin/sh
# Workload B: other pages of the jailed site, a stylesheet, a missing page.
set -u
get() { echo "== $*"; curl -s -w '\nstatus %{http_code} type %{content_type}\n' "$@"; }
for p in /pages/p7.html /pages/p20.html /site.css /no/such/page.html; do
    get "http://127.0.0.1:18150$p"
done
