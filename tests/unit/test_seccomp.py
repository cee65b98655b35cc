from micropack import seccomp


def test_profile_allows_what_was_counted_plus_the_baseline_only():
    p = seccomp.profile_from_counts({"read": 3, "openat": 1, "mkdir": 0}, machine="x86_64")
    names = p["syscalls"][0]["names"]
    assert {"read", "openat"} <= set(names) and "mkdir" not in names
    assert set(names) == {"read", "openat", *seccomp.BASELINE}
    assert p["defaultAction"] == "SCMP_ACT_ERRNO" and p["defaultErrnoRet"] == 1
    assert p["architectures"] == ["SCMP_ARCH_X86_64"]
    assert seccomp.profile_from_counts({"read": 1}, machine="aarch64")["architectures"] == [
        "SCMP_ARCH_AARCH64"]


def test_names_come_from_this_architecture_headers():
    names = seccomp.syscall_names("x86_64")
    assert names[0] == "read" and names[257] == "openat" and names[439] == "faccessat2"
    counts, unknown = seccomp.name_counts({0: 5, 99999: 1})
    assert counts == {"read": 5} and unknown == [99999]


def test_the_runtimes_setup_calls_are_allowed_only_where_its_default_profile_allows_them():
    from micropack.seccomp import PRIVILEGED, profile_from_counts
    workload = {"openat": 3, "read": 9, "mount": 1}           # this workload mounts, itself
    setup = {"mount": 4, "pivot_root": 1, "unshare": 2, "keyctl": 1, "sethostname": 1,
             "capset": 1, "setgroups": 1, "prctl": 2, "openat": 5}
    names = set(profile_from_counts(workload, "x86_64", setup=setup)["syscalls"][0]["names"])
    assert {"openat", "read", "mount"} <= names               # all the workload made
    assert {"capset", "setgroups", "prctl"} <= names          # runc's, allowed by default
    assert not names & {"pivot_root", "unshare", "keyctl", "sethostname"}
    assert {"pivot_root", "unshare", "keyctl", "sethostname", "mount"} <= PRIVILEGED
