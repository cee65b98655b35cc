#!/bin/bash
# A log report tool: `summary` (the container's default) and `full`, which
# counts, sorts and time-stamps the logs under /app/data in a work dir.
set -euo pipefail
DATA=/app/data
STAMP=1700000000

case "${1:-summary}" in
summary)
    echo "log report $(cat /app/VERSION)"
    echo "generated $(date -d @$STAMP '+%Y-%m-%d %H:%M %Z')"
    for f in "$DATA"/*.log; do
        echo "$(basename "$f"): $(head -n 1 "$f")"
    done
    ;;
full)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    find "$DATA" -name '*.log' -type f | sort > "$work/files"
    echo "files: $(wc -l < "$work/files")"
    while read -r f; do
        printf '%s %s\n' "$(wc -l < "$f")" "$(basename "$f")"
    done < "$work/files" | sort -rn > "$work/sizes"
    head -n 3 "$work/sizes"
    grep -h ERROR "$DATA"/*.log | cut -d' ' -f3- | sort | uniq -c | sort -rn | head -n 3
    for tz in Europe/Paris America/New_York Asia/Tokyo; do
        echo "$tz: $(TZ=$tz date -d @$STAMP '+%Y-%m-%d %H:%M %Z')"
    done
    ;;
*)
    echo "usage: $0 summary|full" >&2
    exit 2
    ;;
esac
