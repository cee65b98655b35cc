#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set up the host (packages,
# headers, tracefs, dockerd, venv), build the local test images, run pytest.
# Extra arguments go to pytest.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$REPO/scripts/setup-host.sh"
# The suite builds, exports and packs images: at its peak it took 1.3 GB more
# than at its start with its images built (measured; 2.9 GB while pytest kept
# every test's directory), and its images take 2.0 GB more on a fresh machine. A disk that fills half way fails every
# later test in its setup, far from the cause: say so before the long work.
NEED_GB=6
for dir in "${TMPDIR:-/tmp}" "$(docker info -f '{{.DockerRootDir}}')"; do
    free_kb="$(df -P -k "$dir" | awk 'NR == 2 {print $4}')"
    if [ "$free_kb" -lt $((NEED_GB * 1024 * 1024)) ]; then
        echo "test.sh: $dir has $((free_kb / 1024)) MB free; the suite needs ${NEED_GB} GB" >&2
        exit 1
    fi
done
for image in fat toolbox; do
    "$REPO/.venv/bin/micropack" test-image "$image" >/dev/null
done
cd "$REPO"
exec "$REPO/.venv/bin/python" -m pytest -ra "$@"
