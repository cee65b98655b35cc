#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set up the host (packages,
# headers, tracefs, dockerd, venv), build the local test images, run pytest.
# Extra arguments go to pytest.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup-host.sh"
for image in fat toolbox; do
    "$REPO/.venv/bin/micropack" test-image "$image" >/dev/null
done
cd "$REPO"
exec "$REPO/.venv/bin/python" -m pytest -ra "$@"
