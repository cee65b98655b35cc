from micropack.tracers.proctable import AT_FDCWD, ProcessTable


def table(cwds=None, fds=None):
    cwds = cwds or {}
    fds = fds or {}
    return ProcessTable(cwd_probe=lambda pid: cwds.get(pid),
                        fd_probe=lambda pid, fd: fds.get((pid, fd)))


def test_relative_names_follow_chdir():
    t = table({10: "/"})
    assert t.resolve(10, AT_FDCWD, "etc/hosts") == "/etc/hosts"
    t.chdir(10, "/usr/lib")
    assert t.resolve(10, AT_FDCWD, "./x.so") == "/usr/lib/x.so"
    assert t.resolve(10, AT_FDCWD, "/abs//path") == "/abs/path"


def test_dirfd_relative_uses_the_fd_table_then_proc():
    t = table({10: "/"}, {(10, 7): "/srv"})
    t.opened(10, 5, "/etc")
    assert t.resolve(10, 5, "hostname") == "/etc/hostname"
    assert t.resolve(10, 7, "data") == "/srv/data"
    assert t.resolve(10, 9, "data") is None        # unknown: reported, never guessed


def test_children_inherit_cwd_and_fds_at_fork():
    t = table({10: "/work"})
    t.opened(10, 4, "/opt")
    t.fork(10, 11)
    t.chdir(10, "/elsewhere")                      # after the fork: not inherited
    assert t.resolve(11, AT_FDCWD, "a") == "/work/a"
    assert t.resolve(11, 4, "b") == "/opt/b"


def test_unknown_cwd_gives_none():
    t = table()
    assert t.resolve(42, AT_FDCWD, "x") is None
