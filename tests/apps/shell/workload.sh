#!/bin/sh
# Workload B: the full report, run as a new container of the image (the
# way the tool is used next), plus a usage error.
set -u
echo "== full"; docker run --rm --name "$NAME-full" --network none "$IMAGE" /app/report.sh full; echo "status $?"
echo "== usage"; docker run --rm --name "$NAME-usage" --network none "$IMAGE" /app/report.sh nonsense; echo "status $?"
