/* micropack file tracer: every path a container's processes open, execute,
 * stat, access, read as a link or chdir to, with its result.
 *
 * Only syscall and sched tracepoint arguments and BPF helpers are read: no
 * kernel struct is read by offset, so the program works with headers that do
 * not match the running kernel.
 *
 * Settings come from cflags: MP_CGROUP_ID and MP_CGROUP_LEVEL (the target
 * cgroup v2 and its depth), MP_RINGBUF_PAGES, and MP_HAVE_<tracepoint> for
 * each optional syscall tracepoint this kernel has. */
#include <uapi/linux/ptrace.h>
#include "micropack.h"

BPF_RINGBUF_OUTPUT(events, MP_RINGBUF_PAGES);
BPF_PERCPU_ARRAY(scratch, struct mp_event, 1);
BPF_PERCPU_ARRAY(counters, u64, MP_CNT_MAX);

/* Arguments saved at syscall entry, completed at exit with the result. */
struct mp_args {
    const char *path;
    u64 flags;
    s32 dirfd;
    u32 op;
};
BPF_HASH(inflight, u64, struct mp_args, 16384);

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
    e->ts_ns = bpf_ktime_get_ns();
    e->pid = id >> 32;
    e->tid = (u32)id;
    e->op = op;
    e->flags = 0;
    e->result = 0;
    e->dirfd = MP_AT_FDCWD;
    e->aux = 0;
    e->path_len = 0;
    e->path[0] = 0;
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    return e;
}

static __always_inline void emit(struct mp_event *e)
{
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

static __always_inline u64 path_hash(struct mp_event *e)
{
    u64 h = 14695981039346656037ULL; /* FNV-1a */
    for (int i = 0; i < MP_PATH_MAX; i++) {
        if (i >= e->path_len)
            break;
        h ^= (u8)e->path[i];
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
    key.epoch = epoch_of(e->pid);
    key.op = e->op;
    key.result = e->result;
    if (e->path[0] != '/') {
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
    if (is_open_op(e->op) && e->result >= 0) {
        u64 fdkey = ((u64)e->pid << 32) | (u32)e->result;
        u64 *prev = fdpaths.lookup(&fdkey);
        u64 mine = key.hash ^ key.dirgen ^ ((u64)key.epoch << 32) ^ (u64)(u32)key.dirfd;
        if (!prev || *prev != mine)
            dup = 0;
        fdpaths.update(&fdkey, &mine);
    }
    if (!dup) {
        u8 one = 1;
        seen.update(&key, &one);
    }
    return dup;
}

static __always_inline int stash(u32 op, s32 dirfd, const char *path, u64 flags)
{
    if (!in_target())
        return 0;
    u64 id = bpf_get_current_pid_tgid();
    struct mp_args a = {};
    a.path = path;
    a.flags = flags;
    a.dirfd = dirfd;
    a.op = op;
    inflight.update(&id, &a);
    return 0;
}

static __always_inline int finish(long ret)
{
    u64 id = bpf_get_current_pid_tgid();
    struct mp_args *saved = inflight.lookup(&id);
    if (!saved)
        return 0;
    struct mp_args a = *saved;
    inflight.delete(&id);
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
        }
        e->path_len = n;
        /* newfstatat/statx(fd, "", AT_EMPTY_PATH) is fstat: no lookup, no file. */
        if (n <= 1 && (a.op == MP_OP_NEWFSTATAT || a.op == MP_OP_STATX))
            return 0;
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

#define EXIT_PROBE(name) \
    TRACEPOINT_PROBE(syscalls, sys_exit_##name) { return finish(args->ret); }

#ifdef MP_HAVE_open
TRACEPOINT_PROBE(syscalls, sys_enter_open)
{ return stash(MP_OP_OPEN, MP_AT_FDCWD, args->filename, args->flags); }
EXIT_PROBE(open)
#endif
TRACEPOINT_PROBE(syscalls, sys_enter_openat)
{ return stash(MP_OP_OPENAT, args->dfd, args->filename, args->flags); }
EXIT_PROBE(openat)
#ifdef MP_HAVE_openat2
TRACEPOINT_PROBE(syscalls, sys_enter_openat2)
{
    u64 flags = 0;
    bpf_probe_read_user(&flags, sizeof(flags), args->how); /* open_how.flags is first */
    return stash(MP_OP_OPENAT2, args->dfd, args->filename, flags);
}
EXIT_PROBE(openat2)
#endif
#ifdef MP_HAVE_creat
TRACEPOINT_PROBE(syscalls, sys_enter_creat)
{ return stash(MP_OP_CREAT, MP_AT_FDCWD, args->pathname, 01101 /* O_CREAT|O_WRONLY|O_TRUNC */); }
EXIT_PROBE(creat)
#endif
TRACEPOINT_PROBE(syscalls, sys_enter_execve)
{ return stash(MP_OP_EXECVE, MP_AT_FDCWD, args->filename, 0); }
EXIT_PROBE(execve)
TRACEPOINT_PROBE(syscalls, sys_enter_execveat)
{ return stash(MP_OP_EXECVEAT, args->fd, args->filename, args->flags); }
EXIT_PROBE(execveat)
#ifdef MP_HAVE_newstat
TRACEPOINT_PROBE(syscalls, sys_enter_newstat)
{ return stash(MP_OP_STAT, MP_AT_FDCWD, args->filename, 0); }
EXIT_PROBE(newstat)
#endif
#ifdef MP_HAVE_newlstat
TRACEPOINT_PROBE(syscalls, sys_enter_newlstat)
{ return stash(MP_OP_LSTAT, MP_AT_FDCWD, args->filename, 0); }
EXIT_PROBE(newlstat)
#endif
#ifdef MP_HAVE_newfstatat
TRACEPOINT_PROBE(syscalls, sys_enter_newfstatat)
{ return stash(MP_OP_NEWFSTATAT, args->dfd, args->filename, args->flag); }
EXIT_PROBE(newfstatat)
#endif
TRACEPOINT_PROBE(syscalls, sys_enter_statx)
{ return stash(MP_OP_STATX, args->dfd, args->filename, args->flags); }
EXIT_PROBE(statx)
#ifdef MP_HAVE_access
TRACEPOINT_PROBE(syscalls, sys_enter_access)
{ return stash(MP_OP_ACCESS, MP_AT_FDCWD, args->filename, args->mode); }
EXIT_PROBE(access)
#endif
TRACEPOINT_PROBE(syscalls, sys_enter_faccessat)
{ return stash(MP_OP_FACCESSAT, args->dfd, args->filename, args->mode); }
EXIT_PROBE(faccessat)
#ifdef MP_HAVE_faccessat2
TRACEPOINT_PROBE(syscalls, sys_enter_faccessat2)
{ return stash(MP_OP_FACCESSAT2, args->dfd, args->filename, args->flags); }
EXIT_PROBE(faccessat2)
#endif
#ifdef MP_HAVE_readlink
TRACEPOINT_PROBE(syscalls, sys_enter_readlink)
{ return stash(MP_OP_READLINK, MP_AT_FDCWD, args->path, 0); }
EXIT_PROBE(readlink)
#endif
TRACEPOINT_PROBE(syscalls, sys_enter_readlinkat)
{ return stash(MP_OP_READLINKAT, args->dfd, args->pathname, 0); }
EXIT_PROBE(readlinkat)
TRACEPOINT_PROBE(syscalls, sys_enter_chdir)
{ return stash(MP_OP_CHDIR, MP_AT_FDCWD, args->filename, 0); }
EXIT_PROBE(chdir)
TRACEPOINT_PROBE(syscalls, sys_enter_fchdir)
{ return stash(MP_OP_FCHDIR, args->fd, 0, 0); }
EXIT_PROBE(fchdir)

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
    e->aux = args->old_pid;
    bump_epoch(e->pid);
    emit(e);
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
    if (!in_target())
        return 0;
    u64 id = bpf_get_current_pid_tgid();
    if ((u32)id != (u32)(id >> 32))
        return 0; /* a thread, not the process */
    struct mp_event *e = new_event(MP_OP_EXIT);
    if (!e)
        return 0;
    bump_epoch(e->pid);
    emit(e);
    return 0;
}
