"""Docker, podman and containerd behind one engine interface, on the real
runtimes: containers found by name with their pid and cgroup, traced and
packed; any process packed by pid; images read through a read-only mount of
their layers (and by export where asked); minify on podman and containerd;
--runtime auto."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from micropack import runtimes
from micropack.runtimes.base import RunOptions, normalize_ref
from tests.conftest import PODMAN_RUN, ctr, podman, run_micropack

pytestmark = pytest.mark.integration

micropack = functools.partial(run_micropack, timeout=900)
MARKER = "micropack-in-the-container"


# --- containers of each runtime, started with its own command line --------------

class RuntimeContainer:
    """A container started the way a user of that runtime starts one, with a
    file only it has (/etc/micropack-marker)."""

    def __init__(self, runtime: str, image: str) -> None:
        self.runtime = runtime
        self.image_ref = image
        self.name = f"micropack-rt-{uuid.uuid4().hex[:10]}"
        script = f"echo {MARKER} > /etc/micropack-marker && exec sleep infinity"
        if runtime == "docker":
            subprocess.run(["docker", "run", "-d", "--name", self.name, "--network=none", image,
                            "sh", "-c", script], capture_output=True, check=True)
        elif runtime == "podman":
            subprocess.run([*PODMAN_RUN, "-d", "--name", self.name, "--network=none", image,
                            "sh", "-c", script], capture_output=True, check=True)
        else:
            ctr("run", "-d", normalize_ref(image), self.name, "sh", "-c", script)
        deadline = time.monotonic() + 30
        while self.exec("cat", "/etc/micropack-marker").returncode != 0:
            assert time.monotonic() < deadline, f"{runtime} container did not start"
            time.sleep(0.2)

    def exec_argv(self, *cmd: str) -> list[str]:
        if self.runtime == "docker":
            return ["docker", "exec", self.name, *cmd]
        if self.runtime == "podman":
            return ["podman", "exec", self.name, *cmd]
        return ["ctr", "--address", os.environ["CONTAINERD_ADDRESS"], "--namespace",
                os.environ["CONTAINERD_NAMESPACE"], "tasks", "exec",
                f"--exec-id=t{uuid.uuid4().hex[:8]}", self.name, *cmd]

    def exec(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.exec_argv(*cmd), capture_output=True, text=True)

    @property
    def pid(self) -> int:
        if self.runtime == "containerd":
            rows = [line.split() for line in ctr("tasks", "ls").stdout.splitlines()[1:]]
            return int(next(r[1] for r in rows if r[0] == self.name))
        tool = ["docker"] if self.runtime == "docker" else ["podman"]
        out = subprocess.run([*tool, "inspect", "-f", "{{.State.Pid}}", self.name],
                             capture_output=True, text=True, check=True).stdout
        return int(out)

    def remove(self) -> None:
        if self.runtime == "docker":
            subprocess.run(["docker", "rm", "-f", self.name], capture_output=True)
        elif self.runtime == "podman":
            podman("rm", "-f", "-t", "0", self.name, check=False)
        else:
            ctr("tasks", "delete", "--force", self.name, check=False)
            ctr("containers", "delete", self.name, check=False)


@pytest.fixture
def started(request: pytest.FixtureRequest) -> Iterator[RuntimeContainer]:
    runtime = request.param
    image = request.getfixturevalue({"docker": "fat_image", "podman": "podman_fat",
                                     "containerd": "containerd_fat"}[runtime])
    request.getfixturevalue("bpf_ready")
    c = RuntimeContainer(runtime, image)
    try:
        yield c
    finally:
        c.remove()


RUNTIMES = ["docker", "podman", "containerd"]


def tar_members(path: Path) -> dict[str, bytes | None]:
    with tarfile.open(path) as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else None)  # type: ignore[union-attr]
                for m in tar.getmembers()}


# --- the engine interface ----------------------------------------------------------

@pytest.mark.parametrize("started", RUNTIMES, indirect=True)
def test_engine_finds_a_container_its_pid_and_cgroup(started):
    engine = runtimes.get(started.runtime)
    assert engine.has_container(started.name) and not engine.has_container("micropack-rt-none")
    info = engine.container(started.name)
    assert info.running and info.pid == started.pid
    from micropack import target
    t = target.for_container(engine, started.name)
    # the cgroup micropack traces holds the container's first process
    assert str(started.pid) in (t.cgroup.path / "cgroup.procs").read_text().split()
    if started.runtime == "podman":
        assert t.cgroup.path.name == f"libpod-{info.id}"
    if started.runtime == "containerd":
        assert str(t.cgroup.path).endswith(f"/{os.environ['CONTAINERD_NAMESPACE']}/{started.name}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_engine_runs_execs_waits_and_removes(runtime, request):
    image = request.getfixturevalue({"docker": "fat_image", "podman": "podman_fat",
                                     "containerd": "containerd_fat"}[runtime])
    engine = runtimes.get(runtime)
    cid = engine.run(image, RunOptions(network="none", env=["GREETING=hi"],
                                       cmd=["sh", "-c", "echo $GREETING; sleep 60"]))
    try:
        assert engine.running(cid)
        assert cid in [c for c, _ in engine.leftovers()]
        r = engine.exec(cid, ["sh", "-c", "cat /etc/debian_version; exit 3"], 30)
        assert r.status == 3 and r.stdout.startswith("12.")
        slow = engine.exec(cid, ["sleep", "30"], 1)
        assert slow.timed_out
        assert engine.wait(cid, 0.5) is None            # still running
        assert "hi" in engine.logs(cid)
    finally:
        engine.remove(cid)
    assert not engine.has_container(cid)
    cid = engine.run(image, RunOptions(network="none", cmd=["sh", "-c", "echo out; exit 7"]))
    try:
        assert engine.wait(cid, 30) == 7
        assert engine.logs(cid) == "out"
        assert not engine.running(cid)
    finally:
        engine.remove(cid)


@pytest.mark.parametrize("started", ["podman", "containerd"], indirect=True)
def test_debug_joins_a_container_of_each_runtime(started):
    """run_joined: the toolbox sees the target's processes, files, network
    and IPC namespaces, and is gone afterwards."""
    same = " && ".join(f'[ "$(readlink /proc/self/ns/{ns})" = "$(readlink /proc/1/ns/{ns})" ]'
                       for ns in ("pid", "net", "ipc"))
    check = f"grep -q {MARKER} /proc/1/root/etc/micropack-marker && {same} && exit 42"
    engine = runtimes.get(started.runtime)
    before = {c for c, _ in engine.leftovers()}
    proc = micropack("debug", "--runtime", started.runtime, "--image", started.image_ref,
                     started.name, "--", "sh", "-c", check)
    assert proc.returncode == 42, proc.stderr
    assert {c for c, _ in engine.leftovers()} == before


# --- any runtime by pid; roots never resolved on the host --------------------------

def test_rootfs_keeps_a_magic_link_as_it_is():
    from micropack.source import open_source
    with open_source(rootfs="/proc/self/root") as src:
        # resolved (realpath), it would be "/", and /proc/PID/root of a
        # container would be the host's root too
        assert src.fs.root == Path("/proc/self/root")


@pytest.mark.parametrize("started", RUNTIMES, indirect=True)
def test_pack_by_pid_and_rootfs_of_proc_pid_root_read_the_container(started, tmp_path):
    files = tmp_path / "files.txt"
    # /usr/bin/ctr, podman and docker exist on the host only
    files.write_text("/etc/micropack-marker\n/etc/passwd\n/usr/bin/ctr\n/usr/bin/podman\n"
                     "/usr/bin/docker\n")
    host_link = tmp_path / "root-link"
    host_link.symlink_to(f"/proc/{started.pid}/root")
    container_passwd = started.exec("cat", "/etc/passwd").stdout.encode()
    assert container_passwd != Path("/etc/passwd").read_bytes()
    outputs: dict[str, bytes] = {}
    contents: dict[str, dict[str, bytes | None]] = {}
    for how in (["--pid", str(started.pid)], ["--rootfs", f"/proc/{started.pid}/root"],
                ["--rootfs", str(host_link)],
                ["--container", started.name, "--runtime", started.runtime]):
        out = tmp_path / f"{how[0].strip('-')}-{len(outputs)}.tar"
        proc = micropack("pack", "-i", str(files), "-o", str(out), *how)
        assert proc.returncode == 0, proc.stderr
        members = tar_members(out)
        assert members["etc/micropack-marker"] == f"{MARKER}\n".encode(), how
        assert members["etc/passwd"] == container_passwd, how
        assert not any(m.startswith(("usr/bin/ctr", "usr/bin/podman", "usr/bin/docker"))
                       for m in members), how
        outputs[out.name] = out.read_bytes()
        contents[how[0]] = members
    # three ways of naming the process's root: one archive
    assert len({data for name, data in outputs.items() if not name.startswith("container")}) == 1

    # --container reads the image where something is mounted into the
    # container (containerd's tmpfs /run shows the image's /run there), the
    # same files elsewhere (but the hierarchy's links into /run, kept where
    # what they lead to is: the image's /run/lock, not the tmpfs')
    def outside_mounts(members: dict[str, bytes | None]) -> dict[str, bytes | None]:
        return {k: v for k, v in members.items()
                if k != "run" and not k.startswith("run/") and k not in ("var/run", "var/lock")}

    assert outside_mounts(contents["--container"]) == outside_mounts(contents["--pid"])


def test_pack_by_pid_of_a_process_that_is_gone(tmp_path):
    files = tmp_path / "files.txt"
    files.write_text("/etc/passwd\n")
    p = subprocess.Popen(["true"])
    p.wait()
    proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "x.tar"), "--pid", str(p.pid))
    assert proc.returncode == 1 and f"no process with pid {p.pid}" in proc.stderr
    assert not (tmp_path / "x.tar").exists()


@pytest.mark.parametrize("started", RUNTIMES, indirect=True)
def test_trace_a_container_of_each_runtime_by_name(started, tmp_path):
    files = tmp_path / "files.txt"
    proc = micropack("trace", "--runtime", started.runtime, "--container", started.name,
                     "-o", str(files), "--", *started.exec_argv("cat", "/etc/issue.net"))
    assert proc.returncode == 0, proc.stderr
    traced = files.read_text().splitlines()
    assert "/etc/issue.net" in traced and any(p.endswith("/cat") for p in traced)


# --- images through a mount of their layers ------------------------------------------

def mounts() -> str:
    return Path("/proc/self/mountinfo").read_text()


def processes_in(namespace: str) -> list[int]:
    """Every process in a mount namespace: when none is left, the
    namespace and every mount in it are gone."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "ns/mnt") == namespace:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


def wait_gone(namespace: str) -> None:
    deadline = time.monotonic() + 5
    while processes_in(namespace) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in(namespace) == []


@pytest.fixture(scope="module")
def layered_image(fat_image):
    """Two layers: the second deletes a file (a whiteout), replaces the
    contents of a directory (opaque) and adds one."""
    name = f"micropack-rt/layered:{uuid.uuid4().hex[:8]}"
    script = ("rm /etc/issue.net && rm -r /usr/share/doc && mkdir /usr/share/doc && "
              "echo added > /usr/share/doc/only-file && echo new > /srv/added")
    cid = subprocess.run(["docker", "run", "-d", "--network=none", fat_image, "sh", "-c", script],
                         capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["docker", "wait", cid], capture_output=True, check=True)
    subprocess.run(["docker", "commit", cid, name], capture_output=True, check=True)
    subprocess.run(["docker", "rm", cid], capture_output=True)
    yield name
    subprocess.run(["docker", "rmi", "-f", name], capture_output=True)


def test_docker_image_is_read_through_a_private_overlay_mount(docker_ready, layered_image):
    engine = runtimes.get("docker")
    with engine.image_root(layered_image) as root:
        assert engine.image_access == "mount"
        assert str(root).startswith("/proc/") and "/root/" in str(root)
        assert (root / "srv/added").read_text() == "new\n"
        assert not (root / "etc/issue.net").exists()                 # whiteout
        assert sorted(os.listdir(root / "usr/share/doc")) == ["only-file"]   # opaque directory
        assert (root / "usr/bin/redis-cli").is_file()                # the layer below
        with pytest.raises(OSError):
            (root / "srv/written").write_text("x")                     # read-only
        # nothing of it is mounted where the host (or any other process) looks
        assert "micropack-image-" not in mounts()
        helper = int(str(root).split("/")[2])
        namespace = os.readlink(f"/proc/{helper}/ns/mnt")
        assert namespace != os.readlink("/proc/self/ns/mnt")
        assert processes_in(namespace) == [helper]
    wait_gone(namespace)
    assert "micropack-image-" not in mounts()


def entries(path: Path) -> list[tuple]:
    """What a tar holds, but its times: an export keeps whole seconds only,
    and docker's init layer touches /etc when it creates the container."""
    with tarfile.open(path) as tar:
        return [(m.name, m.type, m.mode, m.uid, m.gid, m.linkname,
                 tar.extractfile(m).read() if m.isfile() else None)  # type: ignore[union-attr]
                for m in tar.getmembers()]


def test_mount_and_export_pack_the_same_files(docker_ready, layered_image, tmp_path):
    from micropack import pack, resolve
    from micropack.rootfs import RootFS
    from micropack.source import Source
    engine = runtimes.get("docker")
    info = engine.image(layered_image)
    paths = ["/usr/bin/redis-cli", "/srv/added", "/usr/share/doc/only-file", "/etc/issue.net"]
    out = {}
    for access in ("mount", "export"):
        with engine.image_root(layered_image, access=access) as root:
            assert engine.image_access == access
            src = Source(RootFS(root), f"image {layered_image}", info.env, info.created)
            pack.pack_files(src, paths, str(tmp_path / f"{access}.tar"), resolve.Rules())
        out[access] = entries(tmp_path / f"{access}.tar")
    assert out["mount"] == out["export"]
    assert {"srv/added", "usr/share/doc/only-file", "usr/bin/redis-cli"} <= {e[0] for e in out["mount"]}
    assert "etc/issue.net" not in tar_members(tmp_path / "mount.tar")


def test_a_killed_micropack_leaves_no_mount(docker_ready, fat_image, tmp_path):
    host_tmp = set(os.listdir("/tmp"))
    code = ("import sys, time\nfrom micropack import runtimes\n"
            f"with runtimes.get('docker').image_root({fat_image!r}) as root:\n"
            "    print(root, flush=True)\n    time.sleep(600)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        root = child.stdout.readline().strip()       # type: ignore[union-attr]
        helper = int(root.split("/")[2])
        namespace = os.readlink(f"/proc/{helper}/ns/mnt")
        assert Path(root, "usr/bin/redis-cli").is_file()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    wait_gone(namespace)                 # and with it the overlay mount
    assert "micropack-image" not in mounts()
    # nothing on the host's disk either: the mount points were on the namespace's tmpfs
    assert not [n for n in set(os.listdir("/tmp")) - host_tmp if n.startswith("micropack")]


def test_the_same_image_packs_the_same_bytes_from_every_runtime(podman_fat, containerd_fat, tmp_path):
    files = tmp_path / "files.txt"
    files.write_text("/usr/bin/redis-cli\n/etc/os-release\n")
    podman_mounted = podman("image", "mount").stdout
    digests = {}
    for runtime in RUNTIMES:
        engine = runtimes.get(runtime)
        assert engine.image(podman_fat).id == runtimes.get("docker").image(podman_fat).id
        out = tmp_path / f"{runtime}.tar"
        proc = micropack("pack", "-i", str(files), "-o", str(out), "--image", podman_fat,
                         "--runtime", runtime)
        assert proc.returncode == 0, proc.stderr
        digests[runtime] = hashlib.sha256(out.read_bytes()).hexdigest()
        assert "usr/bin/redis-cli" in tar_members(out)
    assert len(set(digests.values())) == 1, digests
    # every mount was undone: micropack's own, podman's count, containerd's snapshot view
    assert "micropack-image-" not in mounts()
    assert podman("image", "mount").stdout == podman_mounted
    assert "micropack-image-" not in ctr("snapshots", "ls").stdout


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_two_reads_of_one_image_at_once(runtime, request):
    """Two micropack runs on one image: ctr names its snapshot view after
    the mount point, podman counts its mounts."""
    image = request.getfixturevalue({"docker": "fat_image", "podman": "podman_fat",
                                     "containerd": "containerd_fat"}[runtime])
    first, second = runtimes.get(runtime), runtimes.get(runtime)
    with first.image_root(image) as a, second.image_root(image) as b:
        assert first.image_access == second.image_access == "mount"
        assert (a / "usr/bin/redis-cli").is_file() and (b / "usr/bin/redis-cli").is_file()
    if runtime == "containerd":     # this process's views are gone; others' are theirs
        assert f"micropack-root-{os.getpid()}-" not in ctr("snapshots", "ls").stdout


def test_a_view_a_killed_run_left_in_containerd_is_swept(containerd_fat, tmp_path: Path):
    """`ctr images mount` makes a snapshot view and a lease that holds it,
    both named after the mount's target, and keeps them until they are
    removed: a run killed mid-read leaves both (made here as a killed run
    makes them, in a mount namespace that then ends). Their name carries the
    owner; cleanup removes both once that pid is dead on this boot, and keeps
    a live owner's."""
    from micropack import cleanup
    from micropack.runtimes.base import normalize_ref
    dead = subprocess.Popen(["true"])
    dead.wait()
    boot = cleanup.boot_id()[:8]
    dead_key = str(tmp_path / f"micropack-root-{dead.pid}-{boot}-{'a' * 12}")
    live_key = str(tmp_path / f"micropack-root-1-{boot}-{'b' * 12}")
    mount = " && ".join(f"mkdir {key} && ctr --address {os.environ['CONTAINERD_ADDRESS']} "
                        f"--namespace {os.environ['CONTAINERD_NAMESPACE']} images mount "
                        f"{normalize_ref(containerd_fat)} {key} >/dev/null" for key in (dead_key, live_key))
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", mount], check=True)

    def left() -> str:
        return ctr("snapshots", "ls").stdout + ctr("leases", "ls", "-q").stdout

    assert left().count(dead_key) == 2 and left().count(live_key) == 2    # a view and a lease each
    try:
        out = cleanup.sweep(runtimes.get("containerd"))
        assert dead_key not in left() and f"containerd image view {dead_key}" in out.removed
        assert left().count(live_key) == 2 and any(live_key in k for k in out.kept)
    finally:
        for key in (dead_key, live_key):
            ctr("snapshots", "rm", key, check=False)
            ctr("leases", "rm", key, check=False)


# --- minify on podman and containerd ---------------------------------------------------

@pytest.mark.parametrize("runtime,port", [("podman", 18210), ("containerd", 18211)])
def test_minify_on_runtime(runtime, port, bpf_ready, request, tmp_path):
    image = request.getfixturevalue(f"{runtime}_fat")
    tag = f"micropack-rt/minified-{runtime}:{uuid.uuid4().hex[:8]}"
    report_path = tmp_path / "report.json"
    engine = runtimes.get(runtime)
    try:
        proc = micropack("minify", image, "-t", tag, "--runtime", runtime, "--network", "host",
                         "--cmd", f"redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no",
                         "--probe-exec", f"redis-cli -p {port} ping",
                         "--probe-exec", f"redis-cli -p {port} set k v && redis-cli -p {port} get k",
                         "--compare-output", "--report", str(report_path))
        assert proc.returncode == 0, proc.stderr
        if runtime == "containerd":
            # the image view minify read through, and the lease holding it,
            # are gone (ctr's own `unmount --rm` left both behind)
            left = ctr("snapshots", "ls").stdout + ctr("leases", "ls", "-q").stdout
            assert "micropack-root-" not in left, left
        report = json.loads(report_path.read_text())
        assert report["passed"] is True and report["runtime"] == runtime
        assert report["ratio"] >= 10, report["ratio"]
        # traced from the first exec: the server's own start is in the trace
        traced = Path(report["files_txt"]).read_text().splitlines()
        assert "/usr/bin/redis-server" in traced
        # the minified image is in the same runtime, and serves
        assert engine.has_image(tag) and not runtimes.get("docker").has_image(tag)
        cid = engine.run(tag, RunOptions(network="host"))
        try:
            deadline = time.monotonic() + 30
            while True:
                r = engine.exec(cid, ["redis-cli", "-p", str(port), "ping"], 10)
                if r.stdout.strip() == "PONG" or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert r.stdout.strip() == "PONG"
            nosh = engine.exec(cid, ["bash", "-c", "true"], 10)
            assert nosh.status != 0                      # no bash was kept
        finally:
            engine.remove(cid)
        # nothing of micropack's runs is left in the runtime
        assert not [c for c, owner in engine.leftovers() if owner.split("@")[0].isdigit()
                    and not Path(f"/proc/{owner.split('@')[0]}").exists()]
    finally:
        engine.remove_image(tag)


@pytest.mark.parametrize("runtime", ["podman", "containerd"])
def test_minify_with_seccomp_on_runtime(runtime, bpf_ready, request, tmp_path):
    """The profile is written from the traced run, the minified image is
    verified under it, and the runtime enforces it."""
    image = request.getfixturevalue(f"{runtime}_fat")
    tag = f"micropack-rt/seccomp-{runtime}:{uuid.uuid4().hex[:8]}"
    profile, report_path = tmp_path / "seccomp.json", tmp_path / "report.json"
    engine = runtimes.get(runtime)
    try:
        proc = micropack("minify", image, "-t", tag, "--runtime", runtime, "--network", "none",
                         "--cmd", "python3 -c 'import json; print(json.dumps(1))'", "--compare-output",
                         "--seccomp", str(profile), "--report", str(report_path))
        assert proc.returncode == 0, proc.stderr
        report = json.loads(report_path.read_text())
        assert report["passed"] and report["probes"][0]["seccomp_status"] == 0
        mkdir = RunOptions(network="none", cmd=["python3", "-c", "import os; os.mkdir('/made')"])
        for seccomp, want in ((None, 0), (str(profile), 1)):
            cid = engine.run(tag, mkdir, seccomp=seccomp)
            try:
                assert engine.wait(cid, 60) == want, engine.logs(cid)
            finally:
                engine.remove(cid)
    finally:
        engine.remove_image(tag)


# --- --runtime auto ----------------------------------------------------------------------

@pytest.mark.parametrize("started", ["containerd", "podman"], indirect=True)
def test_auto_finds_the_runtime_of_a_container(started, tmp_path):
    files = tmp_path / "files.txt"
    files.write_text("/etc/micropack-marker\n")
    out = tmp_path / "out.tar"
    proc = micropack("pack", "-i", str(files), "-o", str(out), "--runtime", "auto",
                     "--container", started.name)
    assert proc.returncode == 0, proc.stderr
    assert tar_members(out)["etc/micropack-marker"] == f"{MARKER}\n".encode()
    proc = micropack("trace", "--runtime", "auto", "--container", started.name, "-o",
                     str(tmp_path / "t.txt"), "--", *started.exec_argv("cat", "/etc/issue.net"))
    assert proc.returncode == 0, proc.stderr
    assert f"{started.runtime} container {started.name}" in proc.stderr


def test_auto_finds_the_runtime_of_an_image_and_refuses_an_ambiguous_one(podman_fat, containerd_fat,
                                                                         tmp_path):
    only = f"micropack-rt/only-podman:{uuid.uuid4().hex[:8]}"
    podman("tag", podman_fat, only)
    files = tmp_path / "files.txt"
    files.write_text("/etc/os-release\n")
    try:
        proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "a.tar"), "--runtime", "auto",
                         "--image", only)
        assert proc.returncode == 0, proc.stderr
        # the same name, another image, in containerd: auto will not guess
        other = tmp_path / "other.tar"
        proc = micropack("build", "--from-image", podman_fat, "-i", str(tmp_path / "a.tar"),
                         "--oci", str(other), "-t", only)
        assert proc.returncode == 0, proc.stderr
        ctr("images", "import", str(other))
        proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "b.tar"), "--runtime", "auto",
                         "--image", only)
        assert proc.returncode == 2, proc.stderr
        assert "differs between runtimes" in proc.stderr and "podman" in proc.stderr \
            and "containerd" in proc.stderr
        # the same image everywhere is no ambiguity
        proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "c.tar"), "--runtime", "auto",
                         "--image", podman_fat)
        assert proc.returncode == 0, proc.stderr
        proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "d.tar"), "--runtime", "auto",
                         "--image", "micropack-rt/nowhere:" + uuid.uuid4().hex[:6])
        assert proc.returncode == 1 and "no runtime has an image" in proc.stderr
    finally:
        podman("rmi", "-f", only, check=False)
        ctr("images", "rm", normalize_ref(only), check=False)
