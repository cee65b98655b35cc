/* micropack file tracer: every path a container's processes open, execute,
 * stat, access, read as a link or chdir to, with its result.
 *
 * Only tracepoint arguments, the syscall's argument registers (pt_regs, the
 * architecture's register frame, read through bcc's PT_REGS_PARM* macros)
 * and BPF helpers are read: no kernel struct such as task_struct or file is
 * read by offset, so the program works with headers that do not match the
 * running kernel.
 *
 * Settings come from cflags: MP_CGROUP_ID and MP_CGROUP_LEVEL (the target
 * cgroup v2 and its depth), MP_RINGBUF_PAGES, and MP_COUNT_SYSCALLS to count
 * every syscall the target makes (for a seccomp profile). */
#include <uapi/linux/ptrace.h>
#include <asm/unistd.h>
#include "micropack.h"

/* 32-bit processes on x86_64 call through the i386 table, with their own
 * numbers and argument registers; their code segment says which they are.
 * Without the i386 numbers in the headers their calls cannot be decoded:
 * they are counted as lost rather than misread through the x86_64 table. */
#if defined(__x86_64__)
#define MP_USER32_CS 0x23
#if __has_include(<asm/unistd_32_ia32.h>)
#include <asm/unistd_32_ia32.h>
#define MP_IA32 1
#endif
#endif

BPF_RINGBUF_OUTPUT(events, MP_RINGBUF_PAGES);
BPF_PERCPU_ARRAY(scratch, struct mp_event, 1);
BPF_PERCPU_ARRAY(counters, u64, MP_CNT_MAX);
#ifdef MP_COUNT_SYSCALLS
/* Every syscall the target makes, counted per CPU, by number (seccomp). */
BPF_PERCPU_ARRAY(syscalls, u64, MP_SYSCALL_MAX);
#endif

/* Arguments saved at syscall entry, completed at exit with the result. One
 * slot per thread, rewritten in place (op 0: nothing in flight), so the hot
 * path does two lookups and no allocation; the slot is dropped when the
 * thread exits or execs. A plain hash, not an LRU one: an LRU map could
 * evict a slot mid-syscall and lose its event without a trace, while a full
 * plain map fails the insert, which is counted as a lost event. */
struct mp_args {
    const char *path;
    u64 flags;
    s32 dirfd;
    u32 op;
};
BPF_HASH(inflight, u64, struct mp_args, 65536);

/* In-kernel deduplication: a repeat of an event whose (process, epoch, op,
 * directory, path, result) was already sent is dropped. The epoch of a
 * process changes on chdir, fchdir, exec and exit, so a relative name is
 * never merged across working directories or reused pids. */
struct mp_key {
    u64 hash;
    u64 dirgen;
    s64 result;
    u32 tgid;
    u32 epoch;
    u32 op;
    s32 dirfd;
};
BPF_TABLE("lru_hash", struct mp_key, u8, seen, 131072);
BPF_TABLE("lru_hash", u32, u32, epochs, 65536);
/* (tgid << 32 | fd) -> hash of the path that fd was opened with, so opens
 * that return an fd are only merged when the fd still names the same path
 * (user space keeps the fd table that dirfd-relative names need). */
BPF_TABLE("lru_hash", u64, u64, fdpaths, 131072);

static __always_inline int in_target(void)
{
    return bpf_get_current_ancestor_cgroup_id(MP_CGROUP_LEVEL) == MP_CGROUP_ID;
}

static __always_inline void count(u32 idx)
{
    u64 *c = counters.lookup(&idx);
    if (c)
        (*c)++;
}

static __always_inline u32 epoch_of(u32 tgid)
{
    u32 *e = epochs.lookup(&tgid);
    return e ? *e : 0;
}

static __always_inline void bump_epoch(u32 tgid)
{
    u32 next = epoch_of(tgid) + 1;
    epochs.update(&tgid, &next);
}

static __always_inline int is_open_op(u32 op)
{
    return op == MP_OP_OPEN || op == MP_OP_OPENAT || op == MP_OP_OPENAT2 || op == MP_OP_CREAT;
}

static __always_inline struct mp_event *new_event(u32 op)
{
    u32 zero = 0;
    struct mp_event *e = scratch.lookup(&zero);
    if (!e)
        return 0;
    u64 id = bpf_get_current_pid_tgid();
    e->pid = id >> 32;
    e->tid = (u32)id;
    e->op = op;
    e->flags = 0;
    e->result = 0;
    e->dirfd = MP_AT_FDCWD;
    e->aux = 0;
    e->path_len = 0;
    e->path[0] = 0;
    return e;
}

/* Time and command name are taken only for an event that is sent. */
static __always_inline void emit(struct mp_event *e)
{
    e->ts_ns = bpf_ktime_get_ns();
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    u32 len = e->path_len;
    if (len > MP_PATH_MAX)
        len = MP_PATH_MAX;
    u32 size = offsetof(struct mp_event, path) + len;
    if (size > sizeof(*e))
        size = sizeof(*e);
    if (events.ringbuf_output(e, size, 0) == 0)
        count(MP_CNT_EMITTED);
    else
        count(MP_CNT_LOST);
}

/* FNV-1a over 8-byte words: the path is NUL-terminated and the bytes after
 * it in the scratch buffer are masked off. */
static __always_inline u64 path_hash(struct mp_event *e)
{
    u64 h = 14695981039346656037ULL;
    u32 len = e->path_len;
    for (int i = 0; i < MP_PATH_MAX / 8; i++) {
        u32 at = i * 8;
        if (at >= len)
            break;
        u64 word = *(u64 *)&e->path[at];
        if (len - at < 8)
            word &= (1ULL << ((len - at) * 8)) - 1;
        h ^= word;
        h *= 1099511628211ULL;
    }
    return h;
}

/* True when an identical event was already sent. */
static __always_inline int duplicate(struct mp_event *e)
{
    if (e->op == MP_OP_CHDIR || e->op == MP_OP_FCHDIR)
        return 0;
    struct mp_key key = {};
    key.hash = path_hash(e);
    key.tgid = e->pid;
    key.op = e->op;
    key.result = e->result;
    int relative = e->path[0] != '/';
    int opened_fd = is_open_op(e->op) && e->result >= 0;
    /* An absolute name means the same file in any epoch; the epoch matters
     * for relative names and for the fd an open returns. */
    if (relative || opened_fd)
        key.epoch = epoch_of(e->pid);
    if (relative) {
        key.dirfd = e->dirfd;
        if (e->dirfd != MP_AT_FDCWD) {
            u64 fdkey = ((u64)e->pid << 32) | (u32)e->dirfd;
            u64 *gen = fdpaths.lookup(&fdkey);
            if (!gen)
                return 0; /* unknown directory fd: always report */
            key.dirgen = *gen;
        }
    }
    int dup = seen.lookup(&key) != 0;
    if (opened_fd) {
        u64 fdkey = ((u64)e->pid << 32) | (u32)e->result;
        u64 *prev = fdpaths.lookup(&fdkey);
        u64 mine = key.hash ^ key.dirgen ^ ((u64)key.epoch << 32) ^ (u64)(u32)key.dirfd;
        if (!prev || *prev != mine) {
            dup = 0;
            fdpaths.update(&fdkey, &mine);
        }
    }
    if (!dup) {
        u8 one = 1;
        seen.update(&key, &one);
    }
    return dup;
}

/* Called from sys_enter, which has already checked the cgroup. */
static __always_inline int stash(u32 op, s32 dirfd, const char *path, u64 flags)
{
    u64 id = bpf_get_current_pid_tgid();
    struct mp_args *slot = inflight.lookup(&id);
    if (slot) {
        slot->path = path;
        slot->flags = flags;
        slot->dirfd = dirfd;
        slot->op = op;
        return 0;
    }
    struct mp_args a = {};
    a.path = path;
    a.flags = flags;
    a.dirfd = dirfd;
    a.op = op;
    if (inflight.update(&id, &a) != 0)
        count(MP_CNT_LOST);
    return 0;
}

/* bind/connect name a file only for AF_UNIX with a path (not the abstract
 * namespace, whose sun_path starts with NUL): the socket's directory must
 * exist in the image even if nothing else ever opens it. */
static __always_inline int stash_unix(u32 op, const void *addr)
{
    u16 family = 0;
    char first = 0;
    if (bpf_probe_read_user(&family, sizeof(family), addr) || family != 1 /* AF_UNIX */)
        return 0;
    if (bpf_probe_read_user(&first, 1, addr + 2) || first == 0)
        return 0;
    return stash(op, MP_AT_FDCWD, (const char *)addr + 2, 0);
}

/* openat2 passes its flags in struct open_how, whose first field they are. */
static __always_inline int stash_openat2(s32 dirfd, const char *path, const void *how)
{
    u64 flags = 0;
    bpf_probe_read_user(&flags, sizeof(flags), how);
    return stash(MP_OP_OPENAT2, dirfd, path, flags);
}

static __always_inline int finish(long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    struct mp_args *saved = inflight.lookup(&id);
    if (!saved || saved->op == 0)
        return 0;
    struct mp_args a = *saved;
    saved->op = 0;
    /* A successful exec replaced the memory the path was in; the
     * sched_process_exec event below reports it instead. */
    if ((a.op == MP_OP_EXECVE || a.op == MP_OP_EXECVEAT) && ret == 0)
        return 0;
    struct mp_event *e = new_event(a.op);
    if (!e)
        return 0;
    e->result = ret;
    e->dirfd = a.dirfd;
    e->flags = a.flags;
    if (a.path) {
        int n = bpf_probe_read_user_str(e->path, sizeof(e->path), a.path);
        if (n < 0) {
            count(MP_CNT_READ_FAILED);
            e->path[0] = 0;
            n = 0;
            e->aux = 1; /* path unreadable: user space reports it */
        } else if (n <= 1) {
            /* "" looks no name up: with AT_EMPTY_PATH the call works on
             * the fd itself (fstat, fchown, fexecve), else it is ENOENT. */
            return 0;
        }
        e->path_len = n;
    } else if (a.op != MP_OP_FCHDIR) {
        return 0;   /* NULL: utimensat(fd, NULL, ...) is futimens, on the fd itself */
    }
    if ((a.op == MP_OP_CHDIR || a.op == MP_OP_FCHDIR) && ret == 0)
        bump_epoch(e->pid);
    if (e->aux == 0 && duplicate(e)) {
        count(MP_CNT_DEDUPED);
        return 0;
    }
    emit(e);
    return 0;
}

#ifdef MP_IA32
/* An i386 syscall's n-th argument: ebx, ecx, edx, esi, edi. */
static __always_inline unsigned long ia32_arg(struct pt_regs *regs, int n)
{
    unsigned long v = 0;
    switch (n) {
    case 0: bpf_probe_read_kernel(&v, sizeof(v), &regs->bx); break;
    case 1: bpf_probe_read_kernel(&v, sizeof(v), &regs->cx); break;
    case 2: bpf_probe_read_kernel(&v, sizeof(v), &regs->dx); break;
    case 3: bpf_probe_read_kernel(&v, sizeof(v), &regs->si); break;
    case 4: bpf_probe_read_kernel(&v, sizeof(v), &regs->di); break;
    }
    return (u32)v;
}

/* The i386 table's calls that name a path: the same ops as below. */
static __always_inline int enter_ia32(struct pt_regs *regs, u32 nr)
{
#define ARG(n) ((s32)ia32_arg(regs, n))
#define PATH(n) ((const char *)ia32_arg(regs, n))
    switch (nr) {
    case __NR_ia32_open:              return stash(MP_OP_OPEN, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_ia32_openat:            return stash(MP_OP_OPENAT, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_creat:             return stash(MP_OP_CREAT, MP_AT_FDCWD, PATH(0), 01101);
    case __NR_ia32_execve:            return stash(MP_OP_EXECVE, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_execveat:          return stash(MP_OP_EXECVEAT, ARG(0), PATH(1), ARG(4));
    case __NR_ia32_oldstat:
    case __NR_ia32_stat:
    case __NR_ia32_stat64:            return stash(MP_OP_STAT, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_oldlstat:
    case __NR_ia32_lstat:
    case __NR_ia32_lstat64:           return stash(MP_OP_LSTAT, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_fstatat64:         return stash(MP_OP_NEWFSTATAT, ARG(0), PATH(1), ARG(3));
    case __NR_ia32_statx:             return stash(MP_OP_STATX, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_access:            return stash(MP_OP_ACCESS, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_ia32_faccessat:         return stash(MP_OP_FACCESSAT, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_readlink:          return stash(MP_OP_READLINK, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_readlinkat:        return stash(MP_OP_READLINKAT, ARG(0), PATH(1), 0);
    case __NR_ia32_chdir:             return stash(MP_OP_CHDIR, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_fchdir:            return stash(MP_OP_FCHDIR, ARG(0), 0, 0);
    case __NR_ia32_mkdir:             return stash(MP_OP_MKDIR, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_ia32_mkdirat:           return stash(MP_OP_MKDIR, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_rmdir:             return stash(MP_OP_RMDIR, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_unlink:            return stash(MP_OP_UNLINK, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_unlinkat:          return stash(MP_OP_UNLINK, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_rename:            return stash(MP_OP_RENAME, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_renameat:          return stash(MP_OP_RENAME, ARG(0), PATH(1), 0);
    case __NR_ia32_renameat2:         return stash(MP_OP_RENAME, ARG(0), PATH(1), ARG(4));
    case __NR_ia32_link:              return stash(MP_OP_LINK, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_linkat:            return stash(MP_OP_LINK, ARG(0), PATH(1), ARG(4));
    case __NR_ia32_symlink:           return stash(MP_OP_SYMLINK, MP_AT_FDCWD, PATH(1), 0);
    case __NR_ia32_symlinkat:         return stash(MP_OP_SYMLINK, ARG(1), PATH(2), 0);
    case __NR_ia32_chmod:             return stash(MP_OP_CHMOD, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_ia32_fchmodat:          return stash(MP_OP_CHMOD, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_chown:
    case __NR_ia32_chown32:
    case __NR_ia32_lchown:
    case __NR_ia32_lchown32:          return stash(MP_OP_CHOWN, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_fchownat:          return stash(MP_OP_CHOWN, ARG(0), PATH(1), ARG(4));
    case __NR_ia32_utime:
    case __NR_ia32_utimes:            return stash(MP_OP_UTIMES, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_futimesat:         return stash(MP_OP_UTIMES, ARG(0), PATH(1), 0);
    case __NR_ia32_utimensat:         return stash(MP_OP_UTIMES, ARG(0), PATH(1), ARG(3));
    case __NR_ia32_mknod:             return stash(MP_OP_MKNOD, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_ia32_mknodat:           return stash(MP_OP_MKNOD, ARG(0), PATH(1), ARG(2));
    case __NR_ia32_truncate:
    case __NR_ia32_truncate64:        return stash(MP_OP_TRUNCATE, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_statfs:
    case __NR_ia32_statfs64:          return stash(MP_OP_STATFS, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_getxattr:
    case __NR_ia32_lgetxattr:
    case __NR_ia32_listxattr:
    case __NR_ia32_llistxattr:
    case __NR_ia32_setxattr:
    case __NR_ia32_lsetxattr:
    case __NR_ia32_removexattr:
    case __NR_ia32_lremovexattr:      return stash(MP_OP_XATTR, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_chroot:            return stash(MP_OP_CHROOT, MP_AT_FDCWD, PATH(0), 0);
    case __NR_ia32_inotify_add_watch: return stash(MP_OP_INOTIFY_ADD_WATCH, MP_AT_FDCWD, PATH(1), ARG(2));
    case __NR_ia32_name_to_handle_at: return stash(MP_OP_NAME_TO_HANDLE_AT, ARG(0), PATH(1), ARG(4));
    case __NR_ia32_bind:              return stash_unix(MP_OP_BIND, (const void *)ia32_arg(regs, 1));
    case __NR_ia32_connect:           return stash_unix(MP_OP_CONNECT, (const void *)ia32_arg(regs, 1));
    case __NR_ia32_socketcall: {
        /* socketcall(call, args): bind is 2, connect 3; the address is args[1] */
        u32 call = ia32_arg(regs, 0), argv[2] = {};
        if (call != 2 && call != 3)
            return 0;
        bpf_probe_read_user(argv, sizeof(argv), (void *)ia32_arg(regs, 1));
        return stash_unix(call == 2 ? MP_OP_BIND : MP_OP_CONNECT, (const void *)(unsigned long)argv[1]);
    }
#ifdef __NR_ia32_openat2
    case __NR_ia32_openat2:           return stash_openat2(ARG(0), PATH(1), (const void *)ia32_arg(regs, 2));
#endif
#ifdef __NR_ia32_faccessat2
    case __NR_ia32_faccessat2:        return stash(MP_OP_FACCESSAT2, ARG(0), PATH(1), ARG(3));
#endif
#ifdef __NR_ia32_fchmodat2
    case __NR_ia32_fchmodat2:         return stash(MP_OP_CHMOD, ARG(0), PATH(1), ARG(3));
#endif
    }
#undef ARG
#undef PATH
    return 0;
}
#endif

/* The syscall's n-th argument (from 0), read from its register frame. */
static __always_inline unsigned long syscall_arg(struct pt_regs *regs, int n)
{
    unsigned long v = 0;
    switch (n) {
    case 0: bpf_probe_read_kernel(&v, sizeof(v), &PT_REGS_PARM1(regs)); break;
    case 1: bpf_probe_read_kernel(&v, sizeof(v), &PT_REGS_PARM2(regs)); break;
    case 2: bpf_probe_read_kernel(&v, sizeof(v), &PT_REGS_PARM3(regs)); break;
    case 3: bpf_probe_read_kernel(&v, sizeof(v), &PT_REGS_PARM4_SYSCALL(regs)); break;
    case 4: bpf_probe_read_kernel(&v, sizeof(v), &PT_REGS_PARM5(regs)); break;
    }
    return v;
}

/* Every syscall of the target enters here; the ones that name a path are
 * stashed by number (__NR_* from the kernel headers: a call this
 * architecture lacks is simply not compiled in). Raw tracepoints on the one
 * sys_enter/sys_exit pair: per-syscall tracepoints cost seconds to attach
 * and detach (~100 of them), and the classic tracepoint form copies every
 * argument into a perf buffer first, which doubled the cost of an empty
 * program on a syscall-bound loop (+32% against +18%, measured). Arguments
 * are read only for the calls that are stashed. */
RAW_TRACEPOINT_PROBE(sys_enter)
{
    if (!in_target())
        return 0;
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    u32 nr = ctx->args[1];
#ifdef MP_USER32_CS
    u16 cs = 0;
    bpf_probe_read_kernel(&cs, sizeof(cs), &regs->cs);
    if (cs == MP_USER32_CS) {      /* not counted for seccomp: profiles are x86_64's */
#ifdef MP_IA32
        return enter_ia32(regs, nr);
#else
        count(MP_CNT_LOST);
        return 0;
#endif
    }
#endif
#define ARG(n) syscall_arg(regs, n)
#define PATH(n) ((const char *)syscall_arg(regs, n))
#ifdef MP_COUNT_SYSCALLS
    u64 *calls = syscalls.lookup(&nr);
    if (calls)
        (*calls)++;
#endif
    switch (nr) {
    case __NR_openat:            return stash(MP_OP_OPENAT, ARG(0), PATH(1), ARG(2));
    case __NR_execve:            return stash(MP_OP_EXECVE, MP_AT_FDCWD, PATH(0), 0);
    case __NR_execveat:          return stash(MP_OP_EXECVEAT, ARG(0), PATH(1), ARG(4));
    case __NR_statx:             return stash(MP_OP_STATX, ARG(0), PATH(1), ARG(2));
    case __NR_faccessat:         return stash(MP_OP_FACCESSAT, ARG(0), PATH(1), ARG(2));
    case __NR_readlinkat:        return stash(MP_OP_READLINKAT, ARG(0), PATH(1), 0);
    case __NR_chdir:             return stash(MP_OP_CHDIR, MP_AT_FDCWD, PATH(0), 0);
    case __NR_fchdir:            return stash(MP_OP_FCHDIR, ARG(0), 0, 0);
    /* Calls that change or query a file also prove it exists (mkdir's
     * EEXIST, chmod, unlink, ...); a name they create needs its directory. */
    case __NR_mkdirat:           return stash(MP_OP_MKDIR, ARG(0), PATH(1), ARG(2));
    case __NR_unlinkat:          return stash(MP_OP_UNLINK, ARG(0), PATH(1), ARG(2));
    case __NR_renameat:          return stash(MP_OP_RENAME, ARG(0), PATH(1), 0);
    case __NR_linkat:            return stash(MP_OP_LINK, ARG(0), PATH(1), ARG(4));
    case __NR_symlinkat:         return stash(MP_OP_SYMLINK, ARG(1), PATH(2), 0);
    case __NR_fchmodat:          return stash(MP_OP_CHMOD, ARG(0), PATH(1), ARG(2));
    case __NR_fchownat:          return stash(MP_OP_CHOWN, ARG(0), PATH(1), ARG(4));
    case __NR_utimensat:         return stash(MP_OP_UTIMES, ARG(0), PATH(1), ARG(3));
    case __NR_mknodat:           return stash(MP_OP_MKNOD, ARG(0), PATH(1), ARG(2));
    case __NR_name_to_handle_at: return stash(MP_OP_NAME_TO_HANDLE_AT, ARG(0), PATH(1), ARG(4));
    case __NR_truncate:          return stash(MP_OP_TRUNCATE, MP_AT_FDCWD, PATH(0), 0);
    case __NR_statfs:            return stash(MP_OP_STATFS, MP_AT_FDCWD, PATH(0), 0);
    case __NR_getxattr:
    case __NR_lgetxattr:
    case __NR_listxattr:
    case __NR_llistxattr:
    case __NR_setxattr:
    case __NR_lsetxattr:
    case __NR_removexattr:
    case __NR_lremovexattr:      return stash(MP_OP_XATTR, MP_AT_FDCWD, PATH(0), 0);
    case __NR_chroot:            return stash(MP_OP_CHROOT, MP_AT_FDCWD, PATH(0), 0);
    case __NR_inotify_add_watch: return stash(MP_OP_INOTIFY_ADD_WATCH, MP_AT_FDCWD, PATH(1), ARG(2));
    case __NR_bind:              return stash_unix(MP_OP_BIND, (const void *)ARG(1));
    case __NR_connect:           return stash_unix(MP_OP_CONNECT, (const void *)ARG(1));
#ifdef __NR_openat2
    case __NR_openat2:           return stash_openat2(ARG(0), PATH(1), (const void *)ARG(2));
#endif
#ifdef __NR_faccessat2
    case __NR_faccessat2:        return stash(MP_OP_FACCESSAT2, ARG(0), PATH(1), ARG(3));
#endif
#ifdef __NR_renameat2
    case __NR_renameat2:         return stash(MP_OP_RENAME, ARG(0), PATH(1), ARG(4));
#endif
#ifdef __NR_fchmodat2
    case __NR_fchmodat2:         return stash(MP_OP_CHMOD, ARG(0), PATH(1), ARG(3));
#endif
#ifdef __NR_newfstatat
    case __NR_newfstatat:        return stash(MP_OP_NEWFSTATAT, ARG(0), PATH(1), ARG(3));
#endif
    /* legacy calls (x86_64 has them, arm64 does not) */
#ifdef __NR_open
    case __NR_open:              return stash(MP_OP_OPEN, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_creat:             return stash(MP_OP_CREAT, MP_AT_FDCWD, PATH(0), 01101);
    case __NR_stat:              return stash(MP_OP_STAT, MP_AT_FDCWD, PATH(0), 0);
    case __NR_lstat:             return stash(MP_OP_LSTAT, MP_AT_FDCWD, PATH(0), 0);
    case __NR_access:            return stash(MP_OP_ACCESS, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_readlink:          return stash(MP_OP_READLINK, MP_AT_FDCWD, PATH(0), 0);
    case __NR_mkdir:             return stash(MP_OP_MKDIR, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_rmdir:             return stash(MP_OP_RMDIR, MP_AT_FDCWD, PATH(0), 0);
    case __NR_unlink:            return stash(MP_OP_UNLINK, MP_AT_FDCWD, PATH(0), 0);
    case __NR_rename:            return stash(MP_OP_RENAME, MP_AT_FDCWD, PATH(0), 0);
    case __NR_link:              return stash(MP_OP_LINK, MP_AT_FDCWD, PATH(0), 0);
    case __NR_symlink:           return stash(MP_OP_SYMLINK, MP_AT_FDCWD, PATH(1), 0);
    case __NR_chmod:             return stash(MP_OP_CHMOD, MP_AT_FDCWD, PATH(0), ARG(1));
    case __NR_chown:
    case __NR_lchown:            return stash(MP_OP_CHOWN, MP_AT_FDCWD, PATH(0), 0);
    case __NR_utime:
    case __NR_utimes:            return stash(MP_OP_UTIMES, MP_AT_FDCWD, PATH(0), 0);
    case __NR_futimesat:         return stash(MP_OP_UTIMES, ARG(0), PATH(1), 0);
    case __NR_mknod:             return stash(MP_OP_MKNOD, MP_AT_FDCWD, PATH(0), ARG(1));
#endif
    }
#undef ARG
#undef PATH
    return 0;
}

/* No cgroup check here: only the target's threads have a slot to finish. */
RAW_TRACEPOINT_PROBE(sys_exit)
{
    return finish((long)ctx->args[1]);
}

/* A successful exec: the kernel's copy of the name, always readable. */
TRACEPOINT_PROBE(sched, sched_process_exec)
{
    if (!in_target())
        return 0;
    struct mp_event *e = new_event(MP_OP_EXEC);
    if (!e)
        return 0;
    u16 off = args->data_loc_filename & 0xFFFF;
    int n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), (void *)args + off);
    e->path_len = n > 0 ? n : 0;
    bump_epoch(e->pid);
    emit(e);
    /* A thread other than the leader that execs takes the leader's pid: its
     * old thread id's slot would otherwise outlive it. */
    if (args->old_pid != args->pid) {
        u64 old = ((u64)e->pid << 32) | (u32)args->old_pid;
        inflight.delete(&old);
    }
    return 0;
}

TRACEPOINT_PROBE(sched, sched_process_fork)
{
    if (!in_target())
        return 0;
    struct mp_event *e = new_event(MP_OP_FORK);
    if (!e)
        return 0;
    e->aux = args->child_pid;
    emit(e);
    return 0;
}

TRACEPOINT_PROBE(sched, sched_process_exit)
{
    u64 id = bpf_get_current_pid_tgid();
    inflight.delete(&id);   /* also for a thread that has left the target */
    if (!in_target())
        return 0;
    if ((u32)id != (u32)(id >> 32))
        return 0; /* a thread, not the process */
    struct mp_event *e = new_event(MP_OP_EXIT);
    if (!e)
        return 0;
    bump_epoch(e->pid);
    emit(e);
    return 0;
}
