from micropack.tracers.proctable import AT_FDCWD, ProcessTable


def table(cwds=None, fds=None, roots=None):
    cwds = cwds or {}
    fds = fds or {}
    roots = roots or {}
    return ProcessTable(cwd_probe=lambda pid: cwds.get(pid),
                        fd_probe=lambda pid, fd: fds.get((pid, fd)),
                        root_probe=lambda pid: roots.get(pid, "/"), predates_trace=lambda pid: True)


def test_relative_names_follow_chdir():
    t = table({10: "/"})
    assert t.resolve(10, AT_FDCWD, "etc/hosts") == "/etc/hosts"
    t.chdir(10, "/usr/lib")
    assert t.resolve(10, AT_FDCWD, "./x.so") == "/usr/lib/x.so"
    assert t.resolve(10, AT_FDCWD, "/abs//path") == "/abs/path"


def test_dirfd_relative_uses_the_kernels_identity_then_proc():
    t = table({10: "/"}, {(10, 7): "/srv", (10, 5): "/wrong"})
    t.opened(0xABC, "/etc")
    assert t.resolve(10, 5, "hostname", base=0xABC) == "/etc/hostname"
    assert t.resolve(10, 7, "data") == "/srv/data"           # unknown to the kernel: /proc
    assert t.resolve(10, 7, "data", base=0x999) == "/srv/data"
    assert t.resolve(10, 9, "data") is None                  # unknown: reported, never guessed


def test_identities_do_not_depend_on_fd_numbers_or_processes():
    # the kernel names a directory by what it was opened as: any fd number,
    # any process that inherited it, resolves through the same identity
    t = table({10: "/", 11: "/"})
    t.opened(0x1, "/etc")
    t.opened(0x2, "/usr/lib")
    assert t.resolve(10, 3, "passwd", base=0x1) == "/etc/passwd"
    assert t.resolve(11, 3, "libc.so.6", base=0x2) == "/usr/lib/libc.so.6"
    assert t.directory_of(11, 42, base=0x1) == "/etc"


def test_children_inherit_cwd_at_fork():
    t = table({10: "/work"})
    t.fork(10, 11)
    t.chdir(10, "/elsewhere")                      # after the fork: not inherited
    assert t.resolve(11, AT_FDCWD, "a") == "/work/a"
    assert t.resolve(10, AT_FDCWD, "a") == "/elsewhere/a"


def test_unknown_cwd_gives_none():
    t = table()
    assert t.resolve(42, AT_FDCWD, "x") is None


def test_exit_forgets_the_cwd_of_a_reused_pid():
    t = table({10: "/probed"})
    t.chdir(10, "/old")
    t.exit(10)
    assert t.resolve(10, AT_FDCWD, "x") == "/probed/x"


def test_absolute_names_come_out_as_clean_path_makes_them():
    # resolve() skips clean_path for names that are clean already: same answers
    from micropack.record import clean_path
    t = table()
    for name in ("/", "/etc/hosts", "/a//b", "/a/./b", "/a/.hidden", "/a/../b", "/a/b/", "/.",
                 "//x", "/a/b/.", "/a/..", "/\udcff/x"):
        assert t.resolve(1, AT_FDCWD, name) == clean_path(name), name


def test_absolute_names_under_a_chroot_are_the_jails_and_children_inherit_it():
    t = table({10: "/"})
    t.chroot(10, "/srv/jail")
    assert t.resolve(10, AT_FDCWD, "/etc/services") == "/srv/jail/etc/services"
    assert t.resolve(10, AT_FDCWD, "/../../etc/x") == "/srv/jail/etc/x"     # '..' stops at the root
    assert t.resolve(10, AT_FDCWD, "relative") == "/relative"               # the cwd did not move
    t.fork(10, 11)
    assert t.resolve(11, AT_FDCWD, "/lib/x.so") == "/srv/jail/lib/x.so"
    t.exit(10)
    t.fork(1, 10)                          # the pid used again: the container's root
    assert t.resolve(10, AT_FDCWD, "/etc/services") == "/etc/services"


def test_a_process_found_under_a_chroot_is_resolved_under_it_and_its_identities_not_trusted():
    # chrooted before the trace began: the kernel hashed its absolute names
    # as the container's, so the identity of its /etc is the container's
    # /etc's; taking it as a path would resolve the container's names wrong
    t = table({10: "/", 20: "/"}, {(20, 5): "/srv/jail/etc", (10, 5): "/etc", (10, 6): "/etc/sub",
                                   (20, 6): "/srv/jail/etc/sub"}, {20: "/srv/jail"})
    assert t.resolve(20, AT_FDCWD, "/etc") == "/srv/jail/etc"
    t.opened(0xE7C, "/srv/jail/etc", 20, "/etc", 0)
    t.opened(0xE7C, "/etc", 10, "/etc", 0)
    assert t.resolve(20, 5, "passwd", base=0xE7C) == "/srv/jail/etc/passwd"    # /proc asked
    assert t.resolve(10, 5, "passwd", base=0xE7C) == "/etc/passwd"
    # ... and so is what is opened relative to such an fd (same identity
    # as the container's /etc/sub)
    t.opened(0x5AB, "/srv/jail/etc/sub", 20, "sub", 0xE7C)
    t.opened(0x5AB, "/etc/sub", 10, "sub", 0xE7C)
    assert t.resolve(10, 6, "x", base=0x5AB) == "/etc/sub/x"
    assert t.resolve(20, 6, "x", base=0x5AB) == "/srv/jail/etc/sub/x"
    # one the kernel saw chroot names its root in the identity (base): trusted
    t.chroot(10, "/srv/jail")
    t.opened(0xF00, "/srv/jail/lib", 10, "/lib", 0xB0)
    assert t.directory_of(10, 9, base=0xF00) == "/srv/jail/lib"
    # without it (the kernel's record of the process evicted): not
    t.opened(0xF01, "/srv/jail/usr", 10, "/usr", 0)
    assert t.directory_of(10, 9, base=0xF01) is None


def test_dotdot_stops_at_the_jails_root():
    t = table({10: "/"})
    t.chroot(10, "/srv/jail")
    t.chdir(10, t.resolve(10, AT_FDCWD, "/"))
    assert t.resolve(10, AT_FDCWD, "../etc/x") == "/srv/jail/etc/x"
    assert t.resolve(10, AT_FDCWD, "..") == "/srv/jail"
    assert t.resolve(10, AT_FDCWD, "/../../etc/x") == "/srv/jail/etc/x"
    assert t.resolve(10, AT_FDCWD, "a/../b") == "/srv/jail/a/../b"         # the packer's, physically
    t.chdir(10, "/outside")                     # an fd opened before the chroot leads out
    assert t.resolve(10, AT_FDCWD, "../x") == "/outside/../x"


def test_a_chroot_the_table_missed_or_cannot_place():
    # the kernel hashed this absolute name with a root's identity: the
    # process is jailed though no chroot event said so; /proc says where
    roots = {30: "/srv/jail"}
    t = table({30: "/"}, roots=roots)
    roots[30] = "/"                             # seen first as the container's
    assert t.resolve(30, AT_FDCWD, "/etc/x") == "/etc/x"
    roots[30] = "/srv/jail"
    assert t.resolve(30, AT_FDCWD, "/etc/x", base=0xB0) == "/srv/jail/etc/x"
    # a chroot into a directory that cannot be told, by a process gone from
    # /proc: its absolute names are unresolved, never the container's
    roots[30] = None                            # unreadable
    t.chroot(30, None)
    assert t.resolve(30, AT_FDCWD, "/etc/x") is None
    t.fork(30, 31)
    assert t.resolve(31, AT_FDCWD, "/etc/x") is None


def test_a_chroot_back_to_the_containers_root_is_no_unknown_jail():
    # The kernel gives any chroot's root an identity, "/" too (chroot("."),
    # rpm's way back out of an --installroot): the names after it came with
    # a base, were taken for a chroot the table had missed, and /proc was
    # asked; for a child gone by then, every absolute name was unresolved.
    t = table({10: "/"}, roots={10: "/", 11: None})
    t.chroot(10, "/")
    t.fork(10, 11)
    assert t.resolve(11, AT_FDCWD, "/etc/foo", base=0xB0) == "/etc/foo"
    assert t.resolve(11, AT_FDCWD, "/bin/cat") == "/bin/cat"
    assert t.resolve(10, AT_FDCWD, "/etc/foo", base=0xB0) == "/etc/foo"


def test_dotdot_of_a_real_directory_is_folded_so_a_tree_walk_keeps_short_paths():
    # fts (find, du, chown -R) goes back up with openat(fd, ".."), a shell
    # loop with chdir(".."): each step added '/name/..' to every later path,
    # which passed 4095 bytes on a deep tree and was left out of files.txt
    links = {"/lib"}
    t = ProcessTable(cwd_probe=lambda pid: "/app", fd_probe=lambda pid, fd: None,
                     root_probe=lambda pid: "/", plain_dir=lambda path: path not in links,
                     predates_trace=lambda pid: True)
    for i in range(500):
        t.chdir(10, t.resolve(10, AT_FDCWD, f"d{i}"))
        t.chdir(10, t.resolve(10, AT_FDCWD, ".."))
    assert t.resolve(10, AT_FDCWD, "x") == "/app/x"
    t.opened(0xA, t.resolve(10, AT_FDCWD, "node_modules/p/d0/../../q"))
    assert t.resolve(10, 5, "index.js", base=0xA) == "/app/node_modules/q/index.js"
    # after a symlink, '..' is its target's parent: kept for the packer
    t.chdir(10, "/lib/x86_64-linux-gnu/../../lib/..")
    assert t.resolve(10, AT_FDCWD, "x") == "/lib/../lib/../x"
    # the container cannot be read: as written
    t = ProcessTable(cwd_probe=lambda pid: "/app", fd_probe=lambda pid, fd: None,
                     root_probe=lambda pid: "/", plain_dir=lambda path: None,
                     predates_trace=lambda pid: True)
    t.chdir(10, "/app/d/..")
    assert t.resolve(10, AT_FDCWD, "x") == "/app/d/../x"


def test_a_child_not_seen_yet_has_its_parents_root_and_a_reused_pid_starts_afresh():
    t = table({10: "/"}, roots={10: "/srv/jail"})
    t.chroot(10, "/srv/jail")
    t.fork(10, 11)
    assert t.root_of(11) == "/srv/jail"         # its fork copy, before any event of its own
    t.state(12).cwd = "/old"                    # pid 12's owner: its exit event was lost
    t.fork(10, 12)
    assert t.root_of(12) == "/srv/jail" and t.state(12).cwd == "/"
    t.exit(11)                                  # gone before it was ever seen
    assert not t.known(11)


def test_a_process_is_told_to_have_begun_before_or_after_a_time():
    import os
    import subprocess
    import time

    from micropack.tracers.proctable import started_before

    since = time.clock_gettime(time.CLOCK_BOOTTIME)
    time.sleep(0.1)                          # (start times are in clock ticks)
    child = subprocess.Popen(["sleep", "5"])
    try:
        check = started_before(since)
        assert check(os.getpid()) is True and check(child.pid) is False
    finally:
        child.kill()
        child.wait()
    assert started_before(since)(child.pid) is True     # gone: as one that predates


def test_proc_names_a_file_only_while_the_name_still_leads_to_it(tmp_path):
    # /proc prints a name for a directory deleted since ("... (deleted)"),
    # and a message queue's or a memfd's name is not a path of the image:
    # joined to a relative name, either was recorded as a file, silently.
    import os

    from micropack.tracers.proctable import proc_cwd, proc_fd
    here = tmp_path / "d"
    here.mkdir()
    fd = os.open(here, os.O_RDONLY)
    mem = os.memfd_create("micropack-test")
    r, w = os.pipe()
    try:
        pid = os.getpid()
        assert proc_fd(pid, fd) == str(here)
        assert proc_fd(pid, mem) is None                    # "/memfd:micropack-test (deleted)"
        assert proc_fd(pid, r) is None                      # "pipe:[...]"
        assert proc_cwd(pid) == os.getcwd()
        here.rename(tmp_path / "e")                         # /proc follows a rename
        assert proc_fd(pid, fd) == str(tmp_path / "e")
        (tmp_path / "e").rmdir()
        assert os.readlink(f"/proc/{pid}/fd/{fd}").endswith(" (deleted)")
        assert proc_fd(pid, fd) is None
        assert proc_fd(pid, 10**6) is None                  # no such fd
    finally:
        for n in (fd, mem, r, w):
            os.close(n)


def test_a_deleted_name_is_not_taken_even_where_one_like_it_exists(tmp_path):
    # A directory removed and another made at the same name: /proc prints
    # "<name> (deleted)"; one made at that very name must not pass either.
    import os

    from micropack.tracers.proctable import proc_fd
    gone = tmp_path / "x"
    gone.mkdir()
    fd = os.open(gone, os.O_RDONLY)
    try:
        gone.rmdir()
        (tmp_path / "x (deleted)").mkdir()
        assert proc_fd(os.getpid(), fd) is None
    finally:
        os.close(fd)
