#!/bin/sh
# Workload B: every page of the service, each loading its library on first
# use (probe set A only asks /health and /json). Prints status and body.
set -u
get() { echo "== $1"; curl -s -w '\nstatus %{http_code}\n' "http://127.0.0.1:18160$1"; }
get /health
get "/json?q=x"
get /csv
get /set
get /digest
get /time
get /encode
get /zlib
get /money
get "/erb?name=%3Cbob%3E"
get /yaml
get /static/about.txt
get /
get /nowhere
