#!/usr/bin/env bash
# Prepare a Debian/Ubuntu host for micropack: system packages, kernel headers
# for BCC, tracefs, a running dockerd, and a virtual environment with
# micropack on root's PATH. Safe to run again: every step checks first.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MICROPACK_VENV:-$REPO/.venv}"
LOG="${MICROPACK_SETUP_LOG:-/var/log/micropack-setup.log}"
KREL="$(uname -r)"

log()  { printf '%s setup: %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$LOG" >&2; }
warn() { log "WARNING: $*"; }
die()  { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo bash $0)"
command -v apt-get >/dev/null || die "needs a Debian or Ubuntu host (apt-get not found)"
: >>"$LOG"

apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -q >>"$LOG" 2>&1; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1 \
        || die "apt-get install ${missing[*]} failed (see $LOG)"
}

# --- system packages -------------------------------------------------------
# sysdig without recommends: its DKMS driver cannot build for most kernels and
# micropack only needs the userspace tool to read captures.
apt_install ca-certificates docker.io python3-bpfcc python3-venv python3-pip \
    debootstrap debian-archive-keyring sysdig strace tar xz-utils curl gcc libc6-dev attr time
# the tests build a 32-bit program to check that i386 syscalls are traced
if [ "$(dpkg --print-architecture)" = amd64 ]; then apt_install gcc-multilib; fi
# the HTML report is tested in a real headless browser; the install test
# installs micropack with pipx as the README says
apt_install chromium pipx

# --- kernel headers for BCC -------------------------------------------------
if [ -e "/lib/modules/$KREL/build/include" ]; then
    log "kernel headers for $KREL present"
elif apt-cache show "linux-headers-$KREL" >/dev/null 2>&1; then
    apt_install "linux-headers-$KREL"
else
    arch="$(dpkg --print-architecture)"
    apt_install "linux-headers-$arch"
    flavour_dir="$(ls -d /usr/src/linux-headers-*-"$arch" 2>/dev/null | sort -V | tail -n1)"
    common_dir="$(ls -d /usr/src/linux-headers-*-common 2>/dev/null | sort -V | tail -n1)"
    [ -n "$flavour_dir" ] && [ -n "$common_dir" ] || die "linux-headers-$arch installed no headers under /usr/src"
    warn "no headers packaged for kernel $KREL; linking the distro's generic $flavour_dir as /lib/modules/$KREL/build"
    warn "micropack's BPF program reads no kernel struct, so only tracepoint and helper definitions are used from them"
    mkdir -p "/lib/modules/$KREL"
    ln -sfn "$flavour_dir" "/lib/modules/$KREL/build"
    ln -sfn "$common_dir" "/lib/modules/$KREL/source"
fi

# --- tracefs ------------------------------------------------------------------
if [ ! -d /sys/kernel/tracing/events ]; then
    log "mounting tracefs on /sys/kernel/tracing"
    mount -t tracefs nodev /sys/kernel/tracing || die "cannot mount tracefs"
fi
if [ ! -d /sys/kernel/debug/tracing ] && [ -d /sys/kernel/debug ]; then
    mountpoint -q /sys/kernel/debug || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null \
        || warn "debugfs not mounted (BCC only needs tracefs)"
fi

# --- dockerd ------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
    log "docker daemon answers"
else
    if [ -d /run/systemd/system ] && systemctl start docker >>"$LOG" 2>&1; then
        log "started docker with systemctl"
    else
        log "starting dockerd in the background (log: /var/log/micropack-dockerd.log)"
        nohup /usr/sbin/dockerd --storage-driver=overlay2 >>/var/log/micropack-dockerd.log 2>&1 &
    fi
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not answer within 60s (see /var/log/micropack-dockerd.log)"
    log "docker daemon answers"
fi

# --- podman, containerd, OCI tools, a local registry ----------------------------
# Everything the runtime tests use. Package scripts must not start services
# here (docker-registry's would listen on :5000 on every address): installs
# run under a policy-rc.d that forbids it, unless the host already has one.
install_quietly() {
    local policy=/usr/sbin/policy-rc.d made=""
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"; made=1; fi
    local status=0
    if ( apt_install "$@" ); then status=0; else status=$?; fi
    if [ -n "$made" ]; then rm -f "$policy"; fi
    [ "$status" -eq 0 ] || die "apt-get install $* failed (see $LOG)"
}
install_quietly podman runc conmon containerd skopeo umoci buildah docker-registry util-linux
if [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry >>"$LOG" 2>&1 || true
fi

# containerd for micropack: its own root, state and socket, so dockerd's
# (/var/run/docker/containerd) and a system one (/run/containerd) are left
# alone. The tests reach it through CONTAINERD_ADDRESS.
CTRD_DIR=/var/lib/micropack-containerd
CTRD_SOCK=/run/micropack-containerd/containerd.sock
if ctr --address "$CTRD_SOCK" version >/dev/null 2>&1; then
    log "micropack's containerd answers on $CTRD_SOCK"
else
    mkdir -p "$CTRD_DIR" "$(dirname "$CTRD_SOCK")"
    {
        echo "# containerd for micropack's tests (written by scripts/setup-host.sh)"
        echo "version = 2"
        echo "root = \"$CTRD_DIR/root\""
        echo "state = \"$(dirname "$CTRD_SOCK")/state\""
        echo 'disabled_plugins = ["io.containerd.grpc.v1.cri"]'
        echo "[grpc]"
        echo "  address = \"$CTRD_SOCK\""
        echo "[ttrpc]"
        echo "  address = \"$CTRD_SOCK.ttrpc\""
    } >"$CTRD_DIR/config.toml"
    log "starting containerd on $CTRD_SOCK (log: /var/log/micropack-containerd.log)"
    nohup containerd --config "$CTRD_DIR/config.toml" >>/var/log/micropack-containerd.log 2>&1 &
    for _ in $(seq 1 30); do ctr --address "$CTRD_SOCK" version >/dev/null 2>&1 && break; sleep 1; done
    ctr --address "$CTRD_SOCK" version >/dev/null 2>&1 \
        || die "containerd did not answer on $CTRD_SOCK within 30s (see /var/log/micropack-containerd.log)"
fi

# The registry the push tests use: Debian's docker-registry, on the loopback only.
REGISTRY_ADDR=127.0.0.1:18200
REGISTRY_DIR=/var/lib/micropack-registry
if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
    log "registry answers on $REGISTRY_ADDR"
else
    mkdir -p "$REGISTRY_DIR/data"
    {
        echo "# registry for micropack's tests (written by scripts/setup-host.sh)"
        echo "version: 0.1"
        echo "log: {level: warn}"
        echo "storage:"
        echo "  filesystem: {rootdirectory: $REGISTRY_DIR/data}"
        echo "  delete: {enabled: true}"
        echo "http: {addr: \"$REGISTRY_ADDR\"}"
    } >"$REGISTRY_DIR/config.yml"
    chown -R docker-registry:docker-registry "$REGISTRY_DIR/data"
    log "starting docker-registry on $REGISTRY_ADDR (log: /var/log/micropack-registry.log)"
    start-stop-daemon --start --background --chuid docker-registry --make-pidfile \
        --pidfile /run/micropack-registry.pid --output /var/log/micropack-registry.log \
        --exec /usr/bin/docker-registry -- serve "$REGISTRY_DIR/config.yml"
    for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 1; done
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 \
        || die "the registry did not answer on $REGISTRY_ADDR within 30s (see /var/log/micropack-registry.log)"
fi

# --- virtual environment ------------------------------------------------------
# bcc is only packaged by the distro, so the venv must see system site-packages.
if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment $VENV"
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
log "installing micropack into $VENV"
# compat mode: a plain path entry, not an import hook that every micropack
# run would import first (15 ms of each start-up, measured)
"$VENV/bin/pip" install -q --disable-pip-version-check \
    --config-settings editable_mode=compat -e "$REPO[dev]" >>"$LOG" 2>&1 \
    || die "pip install of micropack failed (see $LOG)"
"$VENV/bin/python" -c 'import bcc' 2>/dev/null || die "the venv cannot import bcc (python3-bpfcc)"
ln -sfn "$VENV/bin/micropack" /usr/local/bin/micropack
log "micropack $("$VENV/bin/micropack" --version | awk '{print $NF}') is on PATH as /usr/local/bin/micropack"
