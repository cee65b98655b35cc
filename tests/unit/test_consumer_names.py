"""The eBPF consumer's handling of names the kernel marks (magic links,
RESOLVE_IN_ROOT) and of directory changes it cannot place: no root, no
kernel; the process table's probes are faked."""
from micropack.tracers.ebpf import (
    AUX_FD_LINK,
    AUX_IN_ROOT,
    AUX_LONG_LINK,
    AUX_SELF_LINK,
    CANNOT_FOLLOW,
    EbpfTracer,
)
from micropack.tracers.proctable import AT_FDCWD, ProcessTable


def tracer(cwds=None, fds=None, roots=None, young=()) -> EbpfTracer:
    """young: the processes that began after the trace did (the others
    predate it)."""
    cwds, fds, roots = cwds or {}, fds or {}, roots or {}
    t = EbpfTracer()
    t.procs = ProcessTable(cwd_probe=lambda pid: cwds.get(pid),
                           fd_probe=lambda pid, fd: fds.get((pid, fd)),
                           root_probe=lambda pid: roots.get(pid, "/"),
                           predates_trace=lambda pid: pid not in young)
    return t


def test_an_fchdir_to_somewhere_unknown_leaves_the_cwd_unknown_and_counted():
    # The fd was opened before the trace and /proc no longer says (the
    # process is gone by the time its event is read): relative names after
    # it used to resolve against the old cwd, silently wrong.
    cwds = {7: "/etc"}
    t = tracer(cwds)
    assert t.procs.resolve(7, AT_FDCWD, "UTC") == "/etc/UTC"
    del cwds[7]                     # gone: /proc has nothing to say
    path, resolved = t._process_event("fchdir", 7, 5, 0, 0, 0)
    assert (path, resolved) == ("", False)
    assert t.stats.unresolved_paths == 1
    assert t.procs.resolve(7, AT_FDCWD, "UTC") is None
    # a failed fchdir changes nothing
    t.procs.chdir(7, "/usr")
    t._process_event("fchdir", 7, 5, 0, -9, 0)
    assert t.procs.resolve(7, AT_FDCWD, "bin") == "/usr/bin"


def test_a_chdir_that_cannot_be_resolved_is_read_after_the_fact_or_left_unknown():
    cwds = {7: "/etc"}
    t = tracer(cwds, {})
    t.procs.state(7)
    cwds[7] = "/srv/where-it-went"          # /proc says where it is now
    path, _flags, _dirfd = t._own_resolution("chdir", 7, 9, 0, "sub", 0, 0, 0)
    assert path == "/srv/where-it-went"
    assert t.procs.resolve(7, AT_FDCWD, "x") == "/srv/where-it-went/x"
    del cwds[7]                             # and once the process is gone
    path, _flags, _dirfd = t._own_resolution("chdir", 7, 9, 0, "sub", 0, 0, 0)
    assert path is None
    assert t.procs.resolve(7, AT_FDCWD, "x") is None


def test_magic_link_names_resolve_through_the_fd_or_the_process():
    t = tracer({7: "/usr/share/zoneinfo/Asia"})     # fd 4: a pipe, /proc gives no path
    t.procs.opened(0xE0, "/usr/share/zoneinfo/Europe")
    special = t._special_name
    assert special(AUX_FD_LINK, 7, 3, 0xE0, "/proc/self/fd/3/Madrid") == "/usr/share/zoneinfo/Europe/Madrid"
    assert special(AUX_FD_LINK, 7, 3, 0xE0, "/dev/fd/3/./Rome") == "/usr/share/zoneinfo/Europe/Rome"
    assert special(AUX_FD_LINK, 7, 3, 0xE0, "/proc/thread-self/fd/3") == "/usr/share/zoneinfo/Europe"
    assert (special(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/cwd/Bangkok")
            == "/usr/share/zoneinfo/Asia/Bangkok")
    assert special(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/thread-self/root/etc/hosts") == "/etc/hosts"
    assert special(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/cwd") == "/usr/share/zoneinfo/Asia"
    # a pipe (bash's <(...)): no path anywhere, no file; left as the pseudo
    # name, which files.txt drops, and not counted as unresolved
    assert special(AUX_FD_LINK, 7, 4, 0, "/dev/fd/4") == "/dev/fd/4"
    # an fd the kernel named but whose path is unknown: unresolved
    assert special(AUX_FD_LINK, 7, 4, 0xBAD, "/dev/fd/4/x") is None


def test_resolve_in_root_puts_an_absolute_name_under_the_directory():
    t = tracer({7: "/"})
    t.procs.opened(0xA5, "/srv/root2")
    assert t._special_name(AUX_IN_ROOT, 7, 5, 0xA5, "/etc/inroot.conf") == "/srv/root2/etc/inroot.conf"
    assert t._special_name(AUX_IN_ROOT, 7, 5, 0xBAD, "/etc/x") is None
    # '..' does not climb out of that root: the kernel keeps it there
    assert t._special_name(AUX_IN_ROOT, 7, 5, 0xA5, "/../../etc/x") == "/srv/root2/etc/x"
    assert t._special_name(AUX_IN_ROOT, 7, 5, 0xA5, "/etc/../../x") == "/srv/root2/etc/../x"
    assert t._special_name(AUX_IN_ROOT, 7, 5, 0xA5, "/a/b/../c") == "/srv/root2/a/b/../c"


def test_what_cannot_be_followed_is_said_once_per_kind_with_a_count():
    t = tracer({7: "/"})
    for pid in (7, 8, 9):
        t._process_event("io_uring_setup", pid, AT_FDCWD, 0, 3, 0)
    t._process_event("unshare", 8, AT_FDCWD, 0, 0, 0)
    notes = {op: CANNOT_FOLLOW[op].format(n=n, pid=pid) for op, (n, pid) in t._cannot_follow.items()}
    assert set(notes) == {"io_uring_setup", "unshare"}
    assert notes["io_uring_setup"].startswith("3 io_uring") and "first pid 7" in notes["io_uring_setup"]
    assert notes["unshare"].startswith("1 thread") and "first pid 8" in notes["unshare"]


def test_a_chroot_is_followed_not_warned_about():
    # names after a chroot were recorded as the container's: a minimal image
    # lacked the jail's files (and kept the container's, unused)
    t = tracer({7: "/srv"})
    t.procs.state(7)                # seen before (a process first seen at its chroot: below)
    t._own_resolution("chroot", 7, AT_FDCWD, 0, "jail", 0, 0, 0)
    t._own_resolution("chroot", 8, AT_FDCWD, 0, "/srv/other", 0, -1, 0)    # failed: nothing
    assert not t._cannot_follow
    assert t.procs.resolve(7, AT_FDCWD, "/etc/services") == "/srv/jail/etc/services"
    assert t.procs.resolve(8, AT_FDCWD, "/etc/services") == "/etc/services"
    # its /proc/self/root is the jail; its cwd is still where it was
    assert t._special_name(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/root/etc/x") == "/srv/jail/etc/x"
    assert t._special_name(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/cwd/x") == "/srv/x"
    # a chroot in the jail goes further in
    t._own_resolution("chroot", 7, AT_FDCWD, 0, "/inner", 0, 0, 0)
    assert t.procs.resolve(7, AT_FDCWD, "/a") == "/srv/jail/inner/a"


def test_a_long_name_through_a_magic_link_is_told_apart_here_and_read_through_proc():
    # the kernel checks names that fit its stack buffer only; a longer one
    # is matched here and its fd read from /proc while the process holds it
    t = tracer({7: "/srv"}, {(7, 4): "/usr/share/zoneinfo/Europe"})
    long = "/proc/self/fd/4/" + "./" * 150 + "Berlin"
    assert t._special_name(AUX_LONG_LINK, 7, -100, 0, long) == "/usr/share/zoneinfo/Europe/Berlin"
    assert t._special_name(AUX_LONG_LINK, 7, -100, 0, "/proc/self/cwd/" + "x" * 200) == "/srv/" + "x" * 200
    other = "/proc/meminfo/" + "y" * 200          # not a link: left as the /proc name
    assert t._special_name(AUX_LONG_LINK, 7, -100, 0, other) == other


def test_a_process_first_seen_at_its_chdir_or_chroot_is_where_proc_says_after_it():
    # /proc is read after the call: resolving the call's name against what
    # it says applied the call twice (/app/data/data, /srv/jail/srv/jail)
    t = tracer({7: "/app/data"}, roots={8: "/srv/jail"})
    path, _, _ = t._own_resolution("chdir", 7, AT_FDCWD, 0, "data", 0, 0, 0)
    assert path == "/app/data" and t.procs.resolve(7, AT_FDCWD, "x") == "/app/data/x"
    t._own_resolution("chroot", 8, AT_FDCWD, 0, "/srv/jail", 0, 0, 0)
    assert t.procs.resolve(8, AT_FDCWD, "/etc/x") == "/srv/jail/etc/x"


def test_a_process_begun_while_traced_is_not_put_in_a_jail_it_enters_later():
    """`docker exec C chroot /srv/jail4 /bin/run`: the exec'd process is
    first seen at its runtime's reads of /etc/group, and /proc, read a
    moment later, already showed the jail: those reads were put in it,
    the chroot's own name resolved in it again (/srv/jail4/srv/jail4),
    and /bin/run was lost (a failure of the integration suite now and
    then). A process that began while traced is at "/" until the chroot
    the kernel reports; one that predates the trace is where /proc says."""
    t = tracer({9: "/"}, roots={9: "/srv/jail4", 5: "/srv/old"}, young={9})
    assert t.procs.resolve(9, AT_FDCWD, "/etc/group") == "/etc/group"
    path, _, _ = t._own_resolution("chroot", 9, AT_FDCWD, 0, "/srv/jail4", 0, 0, 0)
    assert path == "/srv/jail4"
    assert t.procs.resolve(9, AT_FDCWD, "/bin/run", base=0x77) == "/srv/jail4/bin/run"
    assert t.procs.resolve(5, AT_FDCWD, "/etc/x") == "/srv/old/etc/x"      # under one before the trace


def test_a_name_under_a_magic_link_nobody_can_tell_is_unresolved_not_a_dev_path():
    # fd 3 was opened before the trace and the process is gone: the name
    # under it was recorded as resolved, /dev/fd/3/conf.d/app.conf, then
    # dropped as a pseudo path, and uncounted
    t = tracer({7: "/"})
    assert t._special_name(AUX_FD_LINK, 7, 3, 0, "/dev/fd/3/conf.d/app.conf") is None
    assert t._special_name(AUX_FD_LINK, 7, 3, 0, "/dev/fd/3") == "/dev/fd/3"   # a pipe: no file
    # a chdir through it leaves the cwd to /proc, not /dev/fd/4
    t = tracer({7: "/etc"})
    t.procs.state(7)
    t._own_resolution("chdir", 7, 4, 0, "/dev/fd/4", 0, 0, AUX_FD_LINK)
    assert t.procs.resolve(7, AT_FDCWD, "x") == "/etc/x"


def test_dotdot_through_proc_self_root_or_cwd_stops_at_the_jails_root():
    # /proc/self/root/../etc/x in a process chrooted to /srv/jail is the
    # jail's /etc/x: it was recorded as /srv/jail/../etc/x, the container's
    # /srv/etc/x once the packer resolved it
    t = tracer({7: "/srv/jail/a"}, roots={7: "/srv/jail"})
    t.procs.state(7)
    t.procs.chroot(7, "/srv/jail")
    assert t._special_name(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/root/../etc/x") == "/srv/jail/etc/x"
    # (a '..' below the jail's root stays for the packer, which resolves it physically)
    assert t._special_name(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/cwd/../../x") == "/srv/jail/a/../x"
    assert t._special_name(AUX_SELF_LINK, 7, AT_FDCWD, 0, "/proc/self/cwd") == "/srv/jail/a"


def send(t: EbpfTracer, comm: str, path: str, op: str = "MP_OP_OPENAT", result: int = 3) -> None:
    """One event of comm's naming path, through the consumer as the ring
    buffer hands it over."""
    import ctypes
    name = path.encode() + b"\0"
    head = t.layout.head_struct.pack(1, 0, result, 0, 0, 4242, 4242, AT_FDCWD, t.layout.consts[op], 0,
                                     len(name), comm.encode().ljust(16, b"\0"))
    buf = ctypes.create_string_buffer(head + name)
    t._on_event(None, ctypes.addressof(buf), len(head) + len(name))


def test_the_runtimes_own_names_reach_no_record():
    """Traced from a container's start, runc's host-side stages and its
    init's mounts of docker's storage were recorded as the container's
    files: files.txt and the report listed /var/lib/docker/overlay2/<id>/
    merged/dev/null and the host's libseccomp, which the image then kept.
    The init's reads after its pivot (/etc/passwd, for -u) still count."""
    t = tracer()
    got = []
    t._sink = got.append

    def event(comm: str, path: str) -> None:
        send(t, comm, path)

    event("runc", "/lib/x86_64-linux-gnu/libseccomp.so.2")
    event("runc:[1:CHILD]", "/var/run/docker/netns/default")
    event("runc:[2:INIT]", "/var/lib/docker/overlay2/0ef3/merged/dev/null")
    assert got == [] and t.stats.extra["runtime_setup_events"] == 3
    event("runc:[2:INIT]", "/etc/passwd")
    event("nginx", "/var/lib/docker/volume-file")           # the workload's own: kept as named
    assert [r.path for r in got] == ["/etc/passwd", "/var/lib/docker/volume-file"]


def test_the_host_paths_a_run_bind_mounts_reach_no_record():
    """minify -v /tmp/qa12/secret-motd:/etc/motd: runc's init looks the
    mount's source up on the host before it enters the container's root,
    and the host's path went into files.txt, the events and the report as
    the container's. The run's bind-mount sources are the runtime's names,
    as its storage is; the workload's own use of the same name counts."""
    from micropack.runtimes.base import RunOptions

    opts = RunOptions(volumes=["/tmp/qa12/secret-motd:/etc/motd:ro", "/srv/hostdir:/data", "named:/var/x"])
    assert opts.bind_sources()[:1] == ("/tmp/qa12/secret-motd",) and "/srv/hostdir" in opts.bind_sources()
    assert not any(s.startswith("named") for s in opts.bind_sources())
    t = EbpfTracer(host_sources=opts.bind_sources())
    t.procs = ProcessTable(cwd_probe=lambda pid: None, fd_probe=lambda pid, fd: None,
                           root_probe=lambda pid: "/", predates_trace=lambda pid: True)
    got = []
    t._sink = got.append

    def event(comm: str, path: str) -> None:
        send(t, comm, path, "MP_OP_NEWFSTATAT", result=0)

    event("runc:[2:INIT]", "/tmp/qa12/secret-motd")
    event("runc:[2:INIT]", "/srv/hostdir/sub/file")
    assert got == []
    event("runc:[2:INIT]", "/srv/hostdirectory")        # another name
    event("cat", "/tmp/qa12/secret-motd")               # the workload's own
    assert [r.path for r in got] == ["/srv/hostdirectory", "/tmp/qa12/secret-motd"]
