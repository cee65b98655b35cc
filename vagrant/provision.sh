#!/usr/bin/env bash
# Vagrant provisioning: reuse the host setup script unchanged.
set -euo pipefail
bash /micropack/scripts/setup-host.sh
echo "micropack is ready: vagrant ssh, then: sudo micropack --help"
