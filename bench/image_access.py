#!/usr/bin/env python3
"""What packing from an image costs: a read-only mount of its layers against
an export unpacked to disk, against GNU tar of the same kept files.

    .venv/bin/python bench/image_access.py [--runs N] [--json bench/results.json]

For the 300 MB test image and a 1.5 GB image built from it here (three
layers: a copy of /usr and 1.2 GB of data files, some deleted again), packs
a one-file list (/usr/bin/redis-cli: with its libraries, 18 files) with
`micropack pack --image` through a mount (the default) and through the
export (MICROPACK_IMAGE_ACCESS=export), and times GNU tar writing the same
kept list from an unpacked copy of the image. Peak temporary disk is
measured in a separate run with TMPDIR on a tmpfs of the benchmark's own,
whose use is sampled every 20 ms. podman's and containerd's mounts are
measured too when those runtimes are set up (scripts/setup-host.sh) and hold
the image. Writes the "image_access" entry of the JSON results file.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MICROPACK = [sys.executable, "-m", "micropack.cli"]
ONE_FILE = "/usr/bin/redis-cli\n"
BIG_TAG = "micropack-rt/bench-big:1500mb"
CONTAINERD_SOCK = "/run/micropack-containerd/containerd.sock"


def sh(cmd: list[str] | str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)


def ensure_big_image(fat: str) -> str:
    """A 1.5 GB image of three layers, built once from the 300 MB one."""
    if sh(["docker", "image", "inspect", BIG_TAG]).returncode == 0:
        return BIG_TAG
    print(f"image_access: building {BIG_TAG} (about 1.2 GB of layers)", file=sys.stderr)
    steps = [
        # layer 2: real files (a copy of /usr) and 500 MB of data files
        "cp -a /usr /opt/usr-copy && mkdir -p /opt/data && "
        "for i in $(seq 1 500); do head -c 1048576 /dev/urandom > /opt/data/a$i; done",
        # layer 3: 450 MB more, and whiteouts over part of layer 2
        "mkdir -p /opt/data2 && for i in $(seq 1 450); do head -c 1048576 /dev/urandom > /opt/data2/b$i; done"
        " && rm -rf /opt/usr-copy/share/doc /opt/data/a1*",
    ]
    image = fat
    for n, script in enumerate(steps):
        cid = sh(["docker", "run", "-d", "--network=none", image, "sh", "-c", script],
                 check=True).stdout.strip()
        if sh(["docker", "wait", cid]).stdout.strip() != "0":
            raise SystemExit(f"image_access: building {BIG_TAG} failed: {sh(['docker', 'logs', cid]).stderr}")
        tag = BIG_TAG if n == len(steps) - 1 else f"{BIG_TAG}-step{n}"
        sh(["docker", "commit", cid, tag], check=True)
        sh(["docker", "rm", cid])
        if image != fat:
            sh(["docker", "rmi", image])
        image = tag
    return BIG_TAG


class DiskPeak:
    """Peak use of a tmpfs of our own while a command runs: every byte a
    temporary file or directory takes there, sampled every 20 ms."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _used(self) -> int:
        st = os.statvfs(self.path)
        return (st.f_blocks - st.f_bfree) * st.f_frsize

    def _sample(self) -> None:
        base = self._used()
        while not self._stop.is_set():
            self.peak = max(self.peak, self._used() - base)
            time.sleep(0.02)

    def __enter__(self) -> DiskPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure_image(image: str, runs: int, tmp: Path, runtimes: list[str]) -> dict[str, Any]:
    files = tmp / "files.txt"
    files.write_text(ONE_FILE)
    report = tmp / "report.json"
    row: dict[str, Any] = {"image": image}
    size = int(sh(["docker", "image", "inspect", "-f", "{{.Size}}", image], check=True).stdout)
    layers = json.loads(sh(["docker", "image", "inspect", "-f", "{{json .RootFS.Layers}}", image],
                           check=True).stdout)
    row.update(image_mb=round(size / 1e6, 1), layers=len(layers))
    base_env = dict(os.environ)
    for runtime in ["docker", *runtimes]:
        for access in ("mount", "export") if runtime == "docker" else ("mount",):
            env = dict(base_env, MICROPACK_IMAGE_ACCESS=access)
            args = [] if runtime == "docker" else ["--runtime", runtime]
            times = []
            for _ in range(runs):
                t = pack_cmd(image, files, tmp / "out.tar", report, env, args)
                times.append(t)
            key = f"{runtime}_{access}" if runtime != "docker" else access
            row[f"{key}_s"] = round(statistics.median(times), 3)
    kept = json.loads(report.read_text())
    row["kept_entries"] = kept["totals"]["kept_entries"]
    row["kept_mb"] = round(kept["totals"]["kept_bytes"] / 1e6, 1)
    # peak temporary disk, on a tmpfs of our own (one run each)
    disk = tmp / "tmpfs"
    disk.mkdir()
    sh(["mount", "-t", "tmpfs", "-o", "size=8g,mode=1777", "micropack-rt-bench", str(disk)], check=True)
    try:
        for access in ("mount", "export"):
            env = dict(base_env, MICROPACK_IMAGE_ACCESS=access, TMPDIR=str(disk))
            with DiskPeak(disk) as peak:
                pack_cmd(image, files, tmp / "out.tar", None, env, [])
            row[f"{access}_tmp_mb"] = round(peak.peak / 1e6, 1)
    finally:
        sh(["umount", str(disk)])
    # GNU tar of the same kept entries, from an unpacked copy of the image
    root = tmp / "root"
    root.mkdir()
    cid = sh(["docker", "create", image], check=True).stdout.strip()
    try:
        sh(f"docker export {cid} | tar -x -p --numeric-owner -C {root}", check=True)
    finally:
        sh(["docker", "rm", cid])
    (tmp / "final.txt").write_text("".join(k["path"].lstrip("/") + "\n" for k in kept["kept"]))
    times = []
    for _ in range(runs):
        os.sync()
        t = time.monotonic()
        sh(["tar", "-cf", str(tmp / "gnu.tar"), "-C", str(root), "--no-recursion",
            "-T", str(tmp / "final.txt")], check=True)
        times.append(time.monotonic() - t)
    row["gnu_tar_s"] = round(statistics.median(times), 3)
    sh(["rm", "-rf", str(root)])
    return row


def pack_cmd(image: str, files: Path, out: Path, report: Path | None, env: dict[str, str],
             args: list[str]) -> float:
    cmd = [*MICROPACK, "pack", "-i", str(files), "-o", str(out), "--image", image, *args]
    if report:
        cmd += ["--report", str(report)]
    os.sync()
    t = time.monotonic()
    p = sh(cmd, env=env, cwd=REPO)
    elapsed = time.monotonic() - t
    if p.returncode != 0:
        raise SystemExit(f"image_access: {' '.join(cmd[3:])} failed: {p.stderr.strip()}")
    return elapsed


def other_runtimes(image: str, tmp: Path) -> list[str]:
    """podman and containerd, where they are set up (scripts/setup-host.sh);
    the image is loaded into them from `docker save` when they lack it."""
    os.environ.setdefault("CONTAINERD_ADDRESS", CONTAINERD_SOCK)
    os.environ.setdefault("CONTAINERD_NAMESPACE", "micropack-test")
    from micropack import runtimes
    out = []
    archive = tmp / "saved.tar"
    for name in ("podman", "containerd"):
        engine = runtimes.get(name)
        if engine.missing() or not engine.answers():
            continue
        if not engine.has_image(image):
            if not archive.exists():
                sh(["docker", "save", "-o", str(archive), image], check=True)
            engine.load(archive)
        out.append(name)
    archive.unlink(missing_ok=True)
    return out


def measure(fat: str, runs: int) -> list[dict[str, Any]]:
    big = ensure_big_image(fat)
    rows = []
    for image in (fat, big):
        with tempfile.TemporaryDirectory(prefix="micropack-rt-bench-", dir="/var/tmp") as tmp:
            rows.append(measure_image(image, runs, Path(tmp), other_runtimes(image, Path(tmp))))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    head = ["image", "layers", "kept", "mount", "export", "GNU tar, same kept files", "mount / tar",
            "temp disk: mount", "temp disk: export", "podman mount", "containerd mount"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(x) for x in [
            f"{r['image_mb']:.0f} MB", r["layers"], f"{r['kept_entries']} entries, {r['kept_mb']} MB",
            f"{r['mount_s']:.2f} s", f"{r['export_s']:.2f} s", f"{r['gnu_tar_s']:.3f} s",
            f"{r['mount_s'] / r['gnu_tar_s']:.0f}x", f"{r['mount_tmp_mb']} MB", f"{r['export_tmp_mb']} MB",
            f"{r['podman_mount_s']:.2f} s" if "podman_mount_s" in r else "-",
            f"{r['containerd_mount_s']:.2f} s" if "containerd_mount_s" in r else "-"]) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", default=str(REPO / "bench" / "results.json"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("image_access: run as root", file=sys.stderr)
        return 2
    from micropack import debimage, runtimes
    fat = debimage.ensure(runtimes.get(), "fat")
    rows = measure(fat, args.runs)
    path = Path(args.json)
    results = json.loads(path.read_text()) if path.exists() else {}
    results["image_access"] = {"runs_per_median": args.runs, "list": ONE_FILE.strip(), "rows": rows}
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(table(rows))
    print(f"\nJSON: {path} (image_access)")
    return 0


if __name__ == "__main__":
    import guard
    guard.run(main, "image_access")
