#!/bin/sh
# Workload B: browse the site: other pages, assets, a missing page (the
# custom 404), a directory listing, compressed responses.
set -u
get() { echo "== $*"; curl -s -w '\nstatus %{http_code} type %{content_type}\n' "$@"; }
for p in /pages/p002.html /pages/p077.html /pages/p150.html /css/site.css /css/print.css \
         /img/icon7.svg /docs/notes3.txt /no/such/page.html /docs/; do
    get "http://127.0.0.1:18130$p"
done
echo "== gzip"; curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:18130/docs/notes15.txt" | gunzip | sha256sum
echo "== head"; curl -s -I "http://127.0.0.1:18130/img/icon3.svg" | grep -i -e '^content-type' -e '^content-length'
