#!/bin/sh
# Workload B: every page of the service, each loading its module on first
# use (probe set A only asks /health and /json). Prints status and body.
set -u
get() { echo "== $1"; curl -s -w '\nstatus %{http_code}\n' "http://127.0.0.1:18170$1"; }
for p in /health /json /tz /piece /sha /encode /store /base64 /sort /dump /nowhere; do get "$p"; done
