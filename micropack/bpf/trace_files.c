/* micropack file tracer: every path a container's processes open, execute,
 * stat, access, read as a link or chdir to, with its result.
 *
 * One program on the sys_exit tracepoint does the work: at a syscall's
 * exit its register frame still holds the number and the arguments (only
 * the result register changed), so nothing is saved at entry and no
 * program runs on sys_enter. It is attached as a BTF-enabled raw
 * tracepoint where the kernel allows (MP_SYS_EXIT_BTF), else as a raw one.
 * The sched exec/fork/exit tracepoints follow processes, and
 * cgroup_attach_task keeps the cache of who is in the target true. Empty
 * programs on these attach points are the floor the benchmark measures
 * against.
 *
 * Which calls are traced, and which argument holds what, is data: the
 * "calls" map, indexed by ABI and syscall number, is filled from one table
 * in micropack/tracers/ebpf.py before tracing starts (a 32-bit variant of a
 * call is another name in the same entry), so a new syscall is one line
 * there and no code here.
 *
 * Only tracepoint arguments, the syscall's register frame (pt_regs, the
 * architecture's ptrace frame, read through bcc's PT_REGS_* macros and its
 * named fields) and BPF helpers are read: no kernel struct such as
 * task_struct or file is read, so the program works with headers that do
 * not match the running kernel.
 *
 * Settings come from cflags: MP_SYS_EXIT_BTF (see above), MP_CGROUP_ID and
 * MP_CGROUP_LEVEL (the target cgroup v2 and its depth), MP_RINGBUF_PAGES,
 * MP_WAKEUP_BYTES, MP_IA32 when the i386 table was filled, and
 * MP_COUNT_SYSCALLS to count every syscall the target makes (for a seccomp
 * profile), with MP_SPLIT_AT_EXEC to count the runtime's calls before the
 * workload's first exec apart, and MP_EXIT_GROUP_DEAD where the
 * sched_process_exit tracepoint says whether a thread was its process's
 * last (6.x kernels), and MP_MISSING_ERRNOS when calls that found no file
 * are not wanted (see found_nothing). */
#include <uapi/linux/ptrace.h>
#include "micropack.h"

#if defined(__x86_64__)
/* 32-bit processes call through the i386 table, with their own numbers
 * and argument registers; their code segment says which they are. */
#define MP_USER32_CS 0x23
#define MP_SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__aarch64__)
#define MP_SYSCALL_NR(regs) ((regs)->syscallno)
#else
#error "micropack: where this architecture keeps the syscall number at exit is not known"
#endif

#define MP_FORK_DEPTH 4         /* ancestors searched for an inherited fd */
#define MP_F_DUPFD 0
#define MP_F_DUPFD_CLOEXEC 1030

BPF_RINGBUF_OUTPUT(events, MP_RINGBUF_PAGES);
BPF_PERCPU_ARRAY(scratch, struct mp_event, 1);
BPF_PERCPU_ARRAY(counters, u64, MP_CNT_MAX);
BPF_ARRAY(calls, struct mp_call, MP_ABIS * MP_SYSCALL_MAX);
/* Raised at every fork and exit in the target: an fd recorded before a
 * fork is what the child inherited; one recorded after is not. */
BPF_ARRAY(generation, u64, 1);

/* Per process (and per thread id, for the markers): the epoch of its
 * working directory (raised by chdir, fchdir, exec and exit), the parent
 * it was forked from, the generation it was born (or died) at, and the
 * identity of its root directory once it (or an ancestor) called chroot:
 * 0 for the container's own root. */
struct mp_proc {
    u64 born;
    u64 root;
    u32 parent;
    u32 epoch;
};
BPF_TABLE("lru_hash", u32, struct mp_proc, procs, 65536);

/* (tgid << 32 | fd) -> the identity of what that fd was opened as: a hash
 * of its absolute name, or of (working directory epoch, name), or of
 * (directory identity, name); 0 when unknown. Kept for every open whatever
 * became of the event, so fd numbers never defeat deduplication. The value
 * before the last change is kept too, for a child forked before it. */
struct mp_fd {
    u64 id;
    u64 gen;
    u64 prev_id;
    u64 prev_gen;
};
BPF_TABLE("lru_hash", u64, struct mp_fd, fds, 131072);

/* In-kernel deduplication: a repeat of an event whose (process, op,
 * identity of the name, result) was already sent is dropped; success is one
 * result whatever fd it returned. The four are hashed into one 64-bit key.
 * "recent" is a direct-mapped cache of keys in front of the LRU map: a hit
 * costs one inlined array load instead of a hash-table lookup. */
BPF_TABLE("lru_hash", u64, u8, seen, 131072);
#define MP_RECENT_SLOTS 16384
BPF_ARRAY(recent, u64, MP_RECENT_SLOTS);

static __always_inline int in_target(void)
{
    return bpf_get_current_ancestor_cgroup_id(MP_CGROUP_LEVEL) == MP_CGROUP_ID;
}

/* Whether a process is in the target, by tgid: a direct-mapped cache in
 * front of the cgroup check, one inlined array load instead of a helper
 * call, for processes in the target and outside it alike. A slot holds
 * (moves << 32 | tgid << 1 | in). A process's cgroup changes only when it
 * is moved, and every move anywhere (cgroup:cgroup_attach_task, after the
 * task has moved) raises "moves", which makes every slot stale: a process
 * that joins the target later (a `docker exec`) is asked again at its next
 * call. moves is read before the helper asks, so an answer that a move
 * overtook is stored already stale. A thread's exit clears its process's
 * slot, so none is left once the pid can be used again.
 *
 * The answer is MP_IN, with MP_ROOTED for a process under a chroot (its
 * absolute names are not the container's): the hot path learns both from
 * the one load. A chroot clears the slot, so the next call asks again. */
#define MP_IN 1
#define MP_ROOTED 2
#define MP_MEMBER_SLOTS 32768
BPF_ARRAY(members, u64, MP_MEMBER_SLOTS);
BPF_ARRAY(moves, u64, 1);

static __always_inline u32 member(u32 tgid)
{
    u32 zero = 0;
    u64 *mv = moves.lookup(&zero);
    u32 now = mv ? (u32)*mv : 0;
    u32 slot = tgid & (MP_MEMBER_SLOTS - 1);
    u64 *m = members.lookup(&slot);
    if (m) {
        u64 v = *m;
        if ((u32)(v >> 32) == now && ((u32)v >> 2) == tgid)
            return v & (MP_IN | MP_ROOTED);
    }
    u32 in = 0;
    if (in_target()) {
        struct mp_proc *p = procs.lookup(&tgid);
        in = p && p->root ? MP_IN | MP_ROOTED : MP_IN;
    }
    if (m)
        *m = ((u64)now << 32) | ((u64)tgid << 2) | in;
    return in;
}

static __always_inline void forget_member(u32 tgid)
{
    u32 slot = tgid & (MP_MEMBER_SLOTS - 1);
    u64 *m = members.lookup(&slot);
    if (m && ((u32)*m >> 2) == tgid)
        *m = 0;
}

static __always_inline void count(u32 idx)
{
    u64 *c = counters.lookup(&idx);
    if (c)
        (*c)++;
}

static __always_inline u64 generation_now(void)
{
    u32 zero = 0;
    u64 *g = generation.lookup(&zero);
    return g ? *g : 0;
}

static __always_inline u64 next_generation(void)
{
    u32 zero = 0;
    u64 *g = generation.lookup(&zero);
    if (!g)
        return 0;
    __sync_fetch_and_add(g, 1);
    return *g;
}

/* An identity no name hashes to on purpose: for an fd opened relative to
 * a directory the kernel does not know (user space resolves that event
 * itself, and maps this identity to what it found). */
static __always_inline u64 unique_id(void)
{
    u32 idx = MP_CNT_UNIQUE;
    u64 *c = counters.lookup(&idx);
    u64 n = 0;
    if (c)
        n = ++(*c);
    return (1ULL << 63) | ((u64)bpf_get_smp_processor_id() << 40) | (n & 0xFFFFFFFFFFULL);
}

static __always_inline void bump_epoch(u32 tgid)
{
    struct mp_proc *p = procs.lookup(&tgid);
    if (p) {
        p->epoch++;
        return;
    }
    struct mp_proc fresh = {};
    fresh.epoch = 1;
    procs.update(&tgid, &fresh);
}

/* The identity of a process's working directory: it changes with the epoch. */
static __always_inline u64 cwd_identity(u32 tgid)
{
    struct mp_proc *p = procs.lookup(&tgid);
    u64 epoch = p ? p->epoch : 0;
    return (((u64)tgid << 32) | epoch) * 0x9E3779B97F4A7C15ULL + 0x5bd1e995;
}

/* A chroot: the process's root directory is a new one, with an identity of
 * its own (what it is, user space knows from the event). */
static __always_inline void new_root(u32 tgid)
{
    u64 root = unique_id();
    struct mp_proc *p = procs.lookup(&tgid);
    if (p) {
        p->root = root;
    } else {
        struct mp_proc fresh = {};
        fresh.root = root;
        procs.update(&tgid, &fresh);
    }
    forget_member(tgid);
}

static __always_inline u64 root_identity(u32 tgid)
{
    struct mp_proc *p = procs.lookup(&tgid);
    return p ? p->root : 0;
}

/* The identity fd had in process tgid, 0 when unknown. An fd the process
 * never opened itself may have come from its parent at fork: the parent's
 * record counts if it is older than the fork (or the one before it is, when
 * the parent reused the number since), and so on up the ancestors. */
static __always_inline u64 fd_identity(u32 tgid, s32 fd)
{
    u64 limit = ~0ULL;
    for (int depth = 0; depth < MP_FORK_DEPTH; depth++) {
        struct mp_proc *p = procs.lookup(&tgid);
        u64 born = p ? p->born : 0;
        u64 key = ((u64)tgid << 32) | (u32)fd;
        struct mp_fd *f = fds.lookup(&key);
        if (f && f->gen >= born) {      /* recorded by this process, not an earlier one of its pid */
            if (f->gen < limit)
                return f->id;
            if (f->prev_id && f->prev_gen < limit && f->prev_gen >= born)
                return f->prev_id;
            return 0;
        }
        if (!p || !p->parent)
            return 0;
        limit = born;                   /* the parent's fds as they were at the fork */
        tgid = p->parent;
    }
    return 0;
}

static __always_inline void set_fd(u32 tgid, s32 fd, u64 id)
{
    u64 key = ((u64)tgid << 32) | (u32)fd;
    struct mp_fd *f = fds.lookup(&key);
    if (f && f->id == id)
        return;
    u64 gen = generation_now();
    if (f) {
        f->prev_id = f->id;
        f->prev_gen = f->gen;
        f->id = id;
        f->gen = gen;
        return;
    }
    struct mp_fd fresh = {};
    fresh.id = id;
    fresh.gen = gen;
    fds.update(&key, &fresh);
}

static __always_inline int is_open_op(u32 op)
{
    return op == MP_OP_OPEN || op == MP_OP_OPENAT || op == MP_OP_OPENAT2 || op == MP_OP_CREAT;
}

/* The CPU's event buffer; the event is built there and copied to the ring. */
static __always_inline struct mp_event *event_buffer(void)
{
    u32 zero = 0;
    return scratch.lookup(&zero);
}

/* The header of an event in the buffer, all but its name. */
static __always_inline void start_event(struct mp_event *e, u32 op, u64 pid_tgid)
{
    e->pid = pid_tgid >> 32;
    e->tid = (u32)pid_tgid;
    e->op = op;
    e->flags = 0;
    e->result = 0;
    e->base = 0;
    e->id = 0;
    e->dirfd = MP_AT_FDCWD;
    e->aux = 0;
}

static __always_inline struct mp_event *new_event(u32 op, u64 pid_tgid)
{
    struct mp_event *e = event_buffer();
    if (!e)
        return 0;
    start_event(e, op, pid_tgid);
    e->path_len = 0;
    e->path[0] = 0;
    return e;
}

/* Time and command name are taken only for an event that is sent. The
 * consumer is not woken per event (it polls on a short timeout); a CPU
 * that has sent MP_WAKEUP_BYTES since its last wakeup forces one, so a
 * burst cannot fill the buffer while the consumer sleeps. */
static __always_inline int emit(struct mp_event *e)
{
    e->ts_ns = bpf_ktime_get_ns();
    bpf_get_current_comm(&e->comm, sizeof(e->comm));
    u32 len = e->path_len;
    if (len > MP_PATH_MAX)
        len = MP_PATH_MAX;
    u32 size = offsetof(struct mp_event, path) + len;
    if (size > sizeof(*e))
        size = sizeof(*e);
    u64 wake = BPF_RB_NO_WAKEUP;
    u32 idx = MP_CNT_UNWOKEN;
    u64 *unwoken = counters.lookup(&idx);
    if (unwoken) {
        *unwoken += size;
        if (*unwoken >= MP_WAKEUP_BYTES) {
            *unwoken = 0;
            wake = BPF_RB_FORCE_WAKEUP;
            count(MP_CNT_WAKEUPS);
        }
    }
    if (events.ringbuf_output(e, size, wake) == 0) {
        count(MP_CNT_EMITTED);
        return 0;
    }
    count(MP_CNT_LOST);
    return -1;
}

/* A 64-bit hash of the name in 8-byte words, seeded with the identity of
 * the directory it is relative to (0 for an absolute name). len counts the
 * name's NUL; the bytes after it in the buffer are masked.
 *
 * Each word costs one xor and one multiply by an odd constant (a bijection
 * of the state for a given word, so no step loses what earlier words put
 * in); the bits are mixed down once, at the end. The whole words are taken
 * in a loop with nothing else in it and the partial last one after it:
 * this hash was 15% of the program's samples on the fd-reuse loop when
 * every word was masked and mixed inside the loop. */
static __always_inline u64 name_identity(const char *path, u32 len, u64 base)
{
    u64 h = 0xcbf29ce484222325ULL ^ base;
    u32 whole = len >> 3;
    for (int i = 0; i < MP_PATH_MAX / 8; i++) {
        if (i >= whole)
            break;
        h = (h ^ *(u64 *)&path[i * 8]) * 0x9E3779B97F4A7C15ULL;
    }
    u32 rest = len & 7;
    if (rest) {
        u64 word = *(u64 *)&path[(len & ~7U) & (MP_PATH_MAX - 8)];
        h = (h ^ (word & ((1ULL << (rest * 8)) - 1))) * 0x9E3779B97F4A7C15ULL;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ULL;
    h ^= h >> 32;
    return h & ~(1ULL << 63);   /* unique_id() has the top bit */
}

/* A name is read first into the program's stack, and into the event only
 * when it is sent: most calls end deduplicated, never sent, and the read
 * into the stack costs less than into the event (6 ns a run of the
 * fd-reuse loop, bpf_stats A/B). A name as long as this buffer (it may be
 * longer) is read again, whole, into the event. */
#ifdef MP_SYS_EXIT_BTF
#define MP_SHORT_NAME 256
#else
#define MP_SHORT_NAME 128     /* the raw variant's stack holds a copy of the frame too */
#endif

static __always_inline void put_name(struct mp_event *e, const char *short_name, int short_len)
{
    if (short_len > 0 && short_len < MP_SHORT_NAME)
        bpf_probe_read_kernel(e->path, short_len, short_name);
}

/* The syscall's n-th argument (from 0), from the register frame copy. */
static __always_inline u64 syscall_arg(struct pt_regs *regs, u32 abi, int n)
{
#ifdef MP_USER32_CS
    if (abi == MP_ABI_IA32) {       /* i386: ebx, ecx, edx, esi, edi */
        switch (n) {
        case 0: return (u32)regs->bx;
        case 1: return (u32)regs->cx;
        case 2: return (u32)regs->dx;
        case 3: return (u32)regs->si;
        case 4: return (u32)regs->di;
        }
        return 0;
    }
#endif
    switch (n) {
#if defined(__aarch64__)
    case 0: return regs->orig_x0;   /* x0 holds the result by now */
#else
    case 0: return PT_REGS_PARM1(regs);
#endif
    case 1: return PT_REGS_PARM2(regs);
    case 2: return PT_REGS_PARM3(regs);
    case 3: return PT_REGS_PARM4_SYSCALL(regs);
    case 4: return PT_REGS_PARM5(regs);
    }
    return 0;
}

/* bind/connect name a file only for AF_UNIX with a path (not the abstract
 * namespace, whose sun_path starts with NUL): the socket's directory must
 * exist in the image even if nothing else ever opens it. */
static __always_inline const char *unix_path(const char *addr)
{
    u16 family = 0;
    char first = 0;
    if (!addr || bpf_probe_read_user(&family, sizeof(family), addr) || family != 1 /* AF_UNIX */)
        return 0;
    if (bpf_probe_read_user(&first, 1, addr + 2) || first == 0)
        return 0;
    return addr + 2;
}

/* 8 characters as the little-endian word they load as. */
#define MP_WORD(a, b, c, d, e, f, g, h)                                          \
    ((u64)(a) | (u64)(b) << 8 | (u64)(c) << 16 | (u64)(d) << 24 | (u64)(e) << 32 | \
     (u64)(f) << 40 | (u64)(g) << 48 | (u64)(h) << 56)

/* The 8 bytes at s[off] (off a constant), from aligned loads: the verifier
 * refuses a misaligned load from the stack. */
static __always_inline u64 word_at(const char *s, u32 off)
{
    u64 lo = *(u64 *)(s + (off & ~7U));
    u32 shift = (off & 7) * 8;
    if (!shift)
        return lo;
    u64 hi = *(u64 *)(s + (off & ~7U) + 8);
    return (lo >> shift) | (hi << (64 - shift));
}

/* The decimal fd number at s[at], ended by '/' or the name's end; -1 when
 * there is none. */
static __always_inline s32 fd_in_name(const char *s, u32 at)
{
    s32 fd = 0;
    for (int i = 0; i < 10; i++) {
        char c = s[(at + i) & (MP_SHORT_NAME - 1)];
        if (c >= '0' && c <= '9') {
            fd = fd * 10 + (c - '0');
        } else {
            return i && (c == '/' || c == 0) ? fd : -1;
        }
    }
    return -1;
}

/* After "/proc/self/" (or thread-self): fd/N, cwd or root. */
static __always_inline u32 self_link(const char *s, u32 r, s32 *fd)
{
    if (s[r] == 'f' && s[r + 1] == 'd' && s[r + 2] == '/') {
        *fd = fd_in_name(s, r + 3);
        return *fd >= 0 ? MP_AUX_FD_LINK : 0;
    }
    if (s[r] == 'c' && s[r + 1] == 'w' && s[r + 2] == 'd' && (s[r + 3] == '/' || s[r + 3] == 0))
        return MP_AUX_SELF_LINK;
    if (s[r] == 'r' && s[r + 1] == 'o' && s[r + 2] == 'o' && s[r + 3] == 't' &&
        (s[r + 4] == '/' || s[r + 4] == 0))
        return MP_AUX_SELF_LINK;
    return 0;
}

/* Names through the kernel's magic links: /dev/fd/N, /proc/self/fd/N and
 * /proc/thread-self/fd/N name what fd N is (*fd set), /proc/self/cwd and
 * /proc/self/root (thread-self too) the process's directories. Their text
 * says nothing of the file, so they are never deduplicated, and user space
 * resolves them (MP_AUX_FD_LINK, MP_AUX_SELF_LINK); 0 for other names. s
 * holds at least MP_SHORT_NAME bytes; the name's NUL ends every match, so
 * the bytes past it never count. */
static __always_inline u32 magic_link(const char *s, s32 *fd)
{
    u64 w0 = *(u64 *)s;
    if (w0 == MP_WORD('/', 'd', 'e', 'v', '/', 'f', 'd', '/')) {
        *fd = fd_in_name(s, 8);
        return *fd >= 0 ? MP_AUX_FD_LINK : 0;
    }
    if ((w0 & 0xFFFFFFFFFFFFULL) != MP_WORD('/', 'p', 'r', 'o', 'c', '/', 0, 0))
        return 0;
    u64 w1 = word_at(s, 6);
    if ((w1 & 0xFFFFFFFFFFULL) == MP_WORD('s', 'e', 'l', 'f', '/', 0, 0, 0))
        return self_link(s, 11, fd);
    if (w1 == MP_WORD('t', 'h', 'r', 'e', 'a', 'd', '-', 's') &&
        (u32)word_at(s, 14) == (u32)MP_WORD('e', 'l', 'f', '/', 0, 0, 0, 0))
        return self_link(s, 18, fd);
    return 0;
}

/* What a name's event says besides the event's header, gathered before it
 * is known whether the event is sent (most are not: deduplicated). */
struct mp_name {
    u64 base;
    u64 id;
    s32 dirfd;
    u32 aux;
    u32 len;
};

/* A name went through a magic link (magic_link() said which): for user
 * space, which kind, and for fd N, N and its identity. */
static __always_inline void link_name(struct mp_name *nm, u32 magic, s32 link_fd, u32 tgid)
{
    nm->aux = magic;
    if (magic == MP_AUX_FD_LINK) {
        nm->dirfd = link_fd;
        nm->base = fd_identity(tgid, link_fd);
    }
}

/* A name's event, sent: e is the buffer a long name was read into, or 0
 * (the name, if any, is short_name's short_len bytes). */
static __always_inline int send_name(struct mp_event *e, struct mp_name *nm, u32 op, u64 flags, long ret,
                                     u64 pid_tgid, const char *short_name, int short_len)
{
    if (!e) {
        e = event_buffer();
        if (!e)
            return -1;
        e->path[0] = 0;
        put_name(e, short_name, short_len);
    }
    start_event(e, op, pid_tgid);
    e->flags = flags;
    e->result = ret;
    e->base = nm->base;
    e->id = nm->id;
    e->dirfd = nm->dirfd;
    e->aux = nm->aux;
    e->path_len = nm->len;
    return emit(e);
}

/* One name a call looked up, created or ran: read, resolved by identity,
 * deduplicated, sent. in_root: openat2's RESOLVE_IN_ROOT, under which an
 * absolute name is relative to dirfd; rooted: the process is under a
 * chroot, and an absolute name is relative to its root (the identity of
 * the root seeds the name's, and is sent as the base). The event buffer is
 * taken only for an event that is sent (or a name too long for the stack,
 * read into it): a deduplicated call touches none of it (1 to 2.5 ns a
 * call less on the fd-reuse loop, bpf_stats A/B, three runs). */
static __always_inline void name_event(u32 op, s32 dirfd, u64 flags, const char *name, u32 in_root,
                                       u32 rooted, long ret, u64 pid_tgid)
{
    u32 tgid = pid_tgid >> 32;
    struct mp_event *e = 0;
    struct mp_name nm = {};
    nm.dirfd = dirfd;
    u64 id = 0;
    char short_name[MP_SHORT_NAME];
    int short_len = 0;      /* > 0: the name is in short_name, not in an event */
    if (name) {
        int n = bpf_probe_read_user_str(short_name, sizeof(short_name), name);
        if (n >= (int)sizeof(short_name)) {
            e = event_buffer();
            if (!e)
                return;
            n = bpf_probe_read_user_str(e->path, sizeof(e->path), name);
        } else if (n > 1) {
            short_len = n;
        }
        if (n < 0) {
            count(MP_CNT_READ_FAILED);
            nm.aux = MP_AUX_UNREADABLE;     /* user space reports it */
            if (e)
                e->path[0] = 0;
        } else if (n <= 1) {
            /* "" looks no name up: with AT_EMPTY_PATH the call works on
             * the fd itself (fstat, fchown, fexecve), else it is ENOENT. */
            return;
        } else {
            nm.len = n;
            char first = short_len ? short_name[0] : (e ? e->path[0] : 0);
            s32 link_fd = -1;
            /* (a name too long for short_name is told apart in user space:
             * checking it here too cost 3 to 15 ns on every call, however
             * it was written, bpf_stats A/B) */
            u32 magic = first == '/' && short_len ? magic_link(short_name, &link_fd) : 0;
            u64 base = 0;
            if (magic) {
                link_name(&nm, magic, link_fd, tgid);
            } else if (first != '/' || in_root) {
                if (in_root)        /* a '..' of a relative name stops at dirfd too */
                    nm.aux = MP_AUX_IN_ROOT;
                if (dirfd == MP_AT_FDCWD) {
                    base = cwd_identity(tgid);
                } else {
                    base = fd_identity(tgid, dirfd);
                    nm.base = base;
                }
            } else if (rooted) {
                base = root_identity(tgid);
                nm.base = base;
            }
            /* relative to a directory the kernel does not know, or through
             * a magic link: always sent */
            if (!magic && (first == '/' && !in_root || base)) {
                if (short_len)
                    id = name_identity(short_name, short_len, base);
                else if (e)
                    id = name_identity(e->path, n, base);
            }
        }
    } else {
        nm.base = fd_identity(tgid, dirfd);     /* fchdir */
    }
    if (ret >= 0) {
        if (is_open_op(op)) {
            nm.id = id ? id : unique_id();
            set_fd(tgid, ret, nm.id);
        } else if (op == MP_OP_CHDIR || op == MP_OP_FCHDIR) {
            bump_epoch(tgid);
        }
    }
    /* chdir and chroot change how later names resolve: always sent (a
     * reused pid repeats its predecessor's call) */
    if (!id || op == MP_OP_CHDIR || op == MP_OP_CHROOT) {
        send_name(e, &nm, op, flags, ret, pid_tgid, short_name, short_len);
        return;
    }
    u64 key = id ^ ((((u64)tgid << 32) | op) * 0x9E3779B97F4A7C15ULL)
                  ^ ((u64)(ret < 0 ? ret : 0) * 0xC2B2AE3D27D4EB4FULL);
    key ^= key >> 31;
    key *= 0xBF58476D1CE4E5B9ULL;
    key ^= key >> 29;
    u32 slot = key & (MP_RECENT_SLOTS - 1);
    u64 *cached = recent.lookup(&slot);
    if (cached && *cached == key) {
        count(MP_CNT_DEDUPED);
        return;
    }
    if (seen.lookup(&key)) {
        if (cached)
            *cached = key;
        count(MP_CNT_DEDUPED);
        return;
    }
    /* sent before it is marked seen: an event that names an identity
     * always comes after the one that introduced it */
    if (send_name(e, &nm, op, flags, ret, pid_tgid, short_name, short_len) == 0) {
        u8 one = 1;
        seen.update(&key, &one);
        if (cached)
            *cached = key;
    }
}

/* A call the tracer cannot follow: one event, no name (see MP_OP_CLONE). */
static __always_inline void note(u32 op, u64 flags, long ret, u64 pid_tgid)
{
    struct mp_event *e = new_event(op, pid_tgid);
    if (!e)
        return;
    e->flags = flags;
    e->result = ret;
    emit(e);
}

/* The fds a recvmsg or recvmmsg received (SCM_RIGHTS, SCM_PIDFD) are forgotten,
 * as for MP_KIND_NEW_FD: those in the first MP_CMSGS_MAX control messages
 * of each of the first MP_MMSGS_MAX messages, MP_RECEIVED_MAX in all (a
 * socket with SO_PASSCRED, systemd's or dbus's, gets the sender's
 * credentials first and the fds second). They are gathered first and
 * forgotten in one loop: a set_fd() per control message read made the
 * verifier walk twice as many instructions. The 64-bit struct msghdr:
 * msg_control at 32, msg_controllen (set by the kernel to what it wrote)
 * at 40; struct cmsghdr: len, level, type, then the data at 16, the next
 * one at len rounded up to 8; struct mmsghdr: a msghdr and its length, 64
 * bytes. */
#define MP_RECEIVED_MAX 16
#define MP_CMSGS_MAX 4
#define MP_MMSGS_MAX 8
#define MP_SOL_SOCKET 1
#define MP_SCM_RIGHTS 1
#define MP_SCM_PIDFD 4        /* SO_PASSPIDFD (6.5): the sender's pidfd, a new fd as well */
struct mp_received {
    u32 n;
    s32 fds[MP_RECEIVED_MAX];
};
BPF_PERCPU_ARRAY(received, struct mp_received, 1);

static __always_inline void gather_received(struct mp_received *r, const void *msg)
{
    u64 control[2] = {};
    if (bpf_probe_read_user(control, sizeof(control), msg + 32))
        return;
    u64 at = 0;
    for (int m = 0; m < MP_CMSGS_MAX; m++) {
        if (control[1] < at + 20)
            return;
        struct {
            u64 len;
            s32 level;
            s32 type;
            s32 fds[MP_RECEIVED_MAX];
        } c = {};
        u64 left = control[1] - at;
        u32 size = left < sizeof(c) ? left : sizeof(c);     /* never past what was written */
        if (bpf_probe_read_user(&c, size, (const void *)(control[0] + at)) || c.len < 16 || c.len > left)
            return;
        if (c.level == MP_SOL_SOCKET && (c.type == MP_SCM_RIGHTS || c.type == MP_SCM_PIDFD)) {
            u64 n = ((c.len < size ? c.len : size) - 16) / 4;
            for (int i = 0; i < MP_RECEIVED_MAX; i++) {
                u32 k = r->n;
                if (i >= n || k >= MP_RECEIVED_MAX)
                    break;
                r->fds[k] = c.fds[i];
                r->n = k + 1;
            }
        }
        at += (c.len + 7) & ~7ULL;
    }
}

/* msgs: the msghdr of recvmsg (count 1), or the mmsghdr array of recvmmsg
 * (count its result). */
static __always_inline void forget_received(u32 tgid, const char *msgs, long count, u32 stride)
{
    u32 zero = 0;
    struct mp_received *r = received.lookup(&zero);
    if (!r)
        return;
    r->n = 0;
    for (int m = 0; m < MP_MMSGS_MAX; m++) {
        if (m >= count)
            break;
        gather_received(r, msgs + m * stride);
    }
    for (int i = 0; i < MP_RECEIVED_MAX; i++) {
        if (i >= r->n)
            break;
        set_fd(tgid, r->fds[i], 0);
    }
}

#define MP_CLONE_FS 0x200
#define MP_CLONE_FILES 0x400
#define MP_CLONE_THREAD 0x10000
#define MP_CLONE_PIDFD 0x1000
#define MP_RESOLVE_IN_ROOT 0x10

static __always_inline int handle(struct pt_regs *regs, u32 abi, struct mp_call *call, long ret,
                                  u64 pid_tgid, u32 rooted)
{
    u32 op = call->op, kind = call->kind;
    s32 dirfd = call->dirfd != MP_ARG_NONE ? (s32)syscall_arg(regs, abi, call->dirfd) : MP_AT_FDCWD;
    u64 flags = call->flags != MP_ARG_NONE ? syscall_arg(regs, abi, call->flags) : 0;
    const char *name = call->path != MP_ARG_NONE ? (const char *)syscall_arg(regs, abi, call->path) : 0;
    u32 tgid = pid_tgid >> 32;
    u32 in_root = 0;

    switch (kind) {
    case MP_KIND_FCNTL:
        if (flags != MP_F_DUPFD && flags != MP_F_DUPFD_CLOEXEC)
            return 0;
        /* fall through */
    case MP_KIND_DUP:
        if (ret >= 0 && ret != dirfd)
            set_fd(tgid, ret, fd_identity(tgid, dirfd));
        return 0;
    case MP_KIND_OPENAT2: {          /* struct open_how: flags, mode, resolve */
        u64 how[3] = {};
        bpf_probe_read_user(how, sizeof(how), (const void *)flags);
        flags = how[0];
        in_root = (how[2] & MP_RESOLVE_IN_ROOT) != 0;
        break;
    }
    case MP_KIND_SOCKETCALL: {       /* socketcall(call, args): bind 2, connect 3; args[1] the address */
        u32 argv[2] = {};
        if (flags != 2 && flags != 3)
            return 0;
        op = flags == 2 ? MP_OP_BIND : MP_OP_CONNECT;
        flags = 0;
        bpf_probe_read_user(argv, sizeof(argv), name);
        name = unix_path((const char *)(unsigned long)argv[1]);
        if (!name)
            return 0;
        break;
    }
    case MP_KIND_UNIX:
        name = unix_path(name);
        if (!name)
            return 0;
        break;
    case MP_KIND_CLONE3: {           /* clone3(args, size): args->flags, then args->pidfd */
        u64 head[2] = {};
        bpf_probe_read_user(head, sizeof(head), name);
        flags = head[0];
        name = (const char *)head[1];
    }
        /* fall through */
    case MP_KIND_CLONE:              /* the parent's exit: the child's pid */
        if (ret > 0 && (flags & MP_CLONE_PIDFD)) {
            /* a pidfd for the child, written where name points (clone's
             * parent_tid): a new fd, as for MP_KIND_NEW_FD (Go's
             * StartProcess asks for one) */
            s32 pidfd = -1;
            if (bpf_probe_read_user(&pidfd, sizeof(pidfd), name) == 0 && pidfd >= 0)
                set_fd(tgid, pidfd, 0);
        }
        if (ret > 0 && (flags & (MP_CLONE_FS | MP_CLONE_FILES)) && !(flags & MP_CLONE_THREAD))
            note(op, flags, ret, pid_tgid);
        return 0;
    case MP_KIND_UNSHARE:
        if (ret == 0 && (flags & MP_CLONE_FS))
            note(op, flags, ret, pid_tgid);
        return 0;
    case MP_KIND_NOTE:              /* its result is an fd, as for MP_KIND_NEW_FD */
        if (ret >= 0) {
            note(op, 0, ret, pid_tgid);
            set_fd(tgid, ret, 0);
        }
        return 0;
    /* An fd that no name opened: whatever its number meant before (close
     * is not traced) is forgotten, so a name relative to it, or through
     * /dev/fd/N, is resolved through /proc rather than as a file long
     * closed. */
    case MP_KIND_NEW_FD:
        if (ret >= 0)
            set_fd(tgid, ret, 0);
        return 0;
    case MP_KIND_FD_PAIR: {
        s32 pair[2] = {-1, -1};
        if (ret == 0 && bpf_probe_read_user(pair, sizeof(pair), name) == 0) {
            set_fd(tgid, pair[0], 0);
            set_fd(tgid, pair[1], 0);
        }
        return 0;
    }
    case MP_KIND_RECVMSG:
        if (ret >= 0 && abi == MP_ABI_NATIVE)
            forget_received(tgid, name, 1, 0);
        return 0;
    case MP_KIND_RECVMMSG:
        if (ret > 0 && abi == MP_ABI_NATIVE)
            forget_received(tgid, name, ret, 64);
        return 0;
    }
    /* A successful exec replaced the memory the name was in; the
     * sched_process_exec event below reports it. */
    if ((op == MP_OP_EXECVE || op == MP_OP_EXECVEAT) && ret == 0)
        return 0;
    if (!name && kind != MP_KIND_FD)
        return 0;   /* NULL: utimensat(fd, NULL, ...) is futimens, on the fd itself */
    name_event(op, dirfd, flags, name, in_root, rooted, ret, pid_tgid);
    if (op == MP_OP_CHROOT && ret == 0)
        new_root(tgid);     /* after its own name, which the old root resolves */
    /* rename and link: the name they create needs its directory */
    if (call->path2 != MP_ARG_NONE) {
        s32 dirfd2 = call->dirfd2 != MP_ARG_NONE ? (s32)syscall_arg(regs, abi, call->dirfd2) : MP_AT_FDCWD;
        const char *name2 = (const char *)syscall_arg(regs, abi, call->path2);
        if (name2)
            name_event(call->op2, dirfd2, 0, name2, 0, rooted, ret, pid_tgid);
    }
    return 0;
}

/* Whether a call's result says it found no file (MP_MISSING_ERRNOS, a
 * mask of errnos from record.MISSING_ERRNOS, set when nobody wants the
 * records of such calls): such a call changes nothing the tracer follows
 * (no fd, no working directory, no process) and names nothing to keep,
 * so it is dropped before the filter and before its name is read. */
static __always_inline int found_nothing(long ret)
{
#ifdef MP_MISSING_ERRNOS
    return ret < 0 && ret > -64 && ((MP_MISSING_ERRNOS >> (u32)-ret) & 1);
#else
    return 0;
#endif
}

/* The calls-table entry of the syscall that regs is the frame of, 0 when
 * it is not traced; abi is set to the table it was looked up in. */
static __always_inline struct mp_call *traced_call(struct pt_regs *regs, u32 *abi)
{
    *abi = MP_ABI_NATIVE;
#ifdef MP_USER32_CS
    if ((u16)regs->cs == MP_USER32_CS) {
#ifndef MP_IA32
        if (in_target())
            count(MP_CNT_LOST);     /* no i386 numbers: counted, never misread */
        return 0;
#endif
        *abi = MP_ABI_IA32;
    }
#endif
    u64 nr = MP_SYSCALL_NR(regs);
    if (nr >= MP_SYSCALL_MAX)
        return 0;
    u32 idx = *abi * MP_SYSCALL_MAX + (u32)nr;
    struct mp_call *call = calls.lookup(&idx);
    if (!call || !call->kind)
        return 0;
    return call;
}

#ifdef MP_SYS_EXIT_BTF
/* Loaded by micropack as a BTF-enabled raw tracepoint (tp_btf) on sys_exit
 * where the kernel allows it: its arguments are typed, so the register
 * frame is read in place, by plain loads the verifier checks against the
 * running kernel's BTF of pt_regs (the architecture's fixed ptrace frame),
 * and no helper copies it. That makes "which syscall is this" nearly free,
 * so it comes first: the calls nobody traces (read, write, poll, ...) cost
 * no more than the attach point itself, in the target or not. */
int mp_sys_exit_btf(u64 *ctx)
{
    if (found_nothing((long)ctx[1]))    /* (first, as on the raw tracepoint: no loss counted) */
        return 0;
    struct pt_regs *regs = (struct pt_regs *)ctx[0];
    u32 abi;
    struct mp_call *call = traced_call(regs, &abi);
    if (!call)
        return 0;
    u64 pid_tgid = bpf_get_current_pid_tgid();
    u32 in = member(pid_tgid >> 32);
    if (!in)
        return 0;
    return handle(regs, abi, call, (long)ctx[1], pid_tgid, in & MP_ROOTED);
}
#else
/* The raw tracepoint, everywhere else: the frame is only reachable through
 * a helper that copies it, which costs as much as the cgroup check, so the
 * filter by process comes first. */
RAW_TRACEPOINT_PROBE(sys_exit)
{
    if (found_nothing((long)ctx->args[1]))
        return 0;
    u64 pid_tgid = bpf_get_current_pid_tgid();
    u32 in = member(pid_tgid >> 32);
    if (!in)
        return 0;
    struct pt_regs regs = {};
    bpf_probe_read_kernel(&regs, sizeof(regs), (void *)ctx->args[0]);
    u32 abi;
    struct mp_call *call = traced_call(&regs, &abi);
    if (!call)
        return 0;
    return handle(&regs, abi, call, (long)ctx->args[1], pid_tgid, in & MP_ROOTED);
}
#endif

#ifdef MP_COUNT_SYSCALLS
/* Every syscall the target makes, counted per CPU, by number (seccomp), at
 * entry: a call still blocked when the trace ends must count too. */
BPF_PERCPU_ARRAY(syscalls, u64, MP_SYSCALL_MAX);
#ifdef MP_SPLIT_AT_EXEC
/* Traced from the container's start, the runtime's own calls come first:
 * runc's init mounts, pivots, unshares and joins a keyring inside the
 * target before it execs the workload. They are counted apart, so that a
 * profile allows them only where the runtime's default profile does. A
 * process is the workload once it has exec'd inside the target, and so is
 * every task it forks; a `docker exec` is the runtime's until its exec. */
BPF_PERCPU_ARRAY(setup_syscalls, u64, MP_SYSCALL_MAX);
BPF_HASH(workload, u32, u8, 131072);
#endif

RAW_TRACEPOINT_PROBE(sys_enter)
{
    if (!member(bpf_get_current_pid_tgid() >> 32))
        return 0;
#ifdef MP_USER32_CS
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    u16 cs = 0;
    bpf_probe_read_kernel(&cs, sizeof(cs), &regs->cs);
    if (cs == MP_USER32_CS)
        return 0;               /* profiles are x86_64's */
#endif
    u32 nr = ctx->args[1];
#ifdef MP_SPLIT_AT_EXEC
    u32 tgid = bpf_get_current_pid_tgid() >> 32;
    u64 *n = workload.lookup(&tgid) ? syscalls.lookup(&nr) : setup_syscalls.lookup(&nr);
#else
    u64 *n = syscalls.lookup(&nr);
#endif
    if (n)
        (*n)++;
    return 0;
}
#endif /* MP_COUNT_SYSCALLS */

/* The workload's marks (seccomp split at exec): set at an exec in the
 * target, inherited at fork, dropped at exit. A full table is counted as
 * lost: that process's calls would be taken for the runtime's. */
static __always_inline void mark_workload(u32 id)
{
#ifdef MP_SPLIT_AT_EXEC
    u8 one = 1;
    if (workload.update(&id, &one) != 0)
        count(MP_CNT_LOST);
#endif
}

static __always_inline int is_workload(u32 id)
{
#ifdef MP_SPLIT_AT_EXEC
    return workload.lookup(&id) != 0;
#else
    return 0;
#endif
}

static __always_inline void unmark_workload(u32 id)
{
#ifdef MP_SPLIT_AT_EXEC
    workload.delete(&id);
#endif
}

/* A successful exec: the kernel's copy of the name, always readable. */
TRACEPOINT_PROBE(sched, sched_process_exec)
{
    if (!in_target())
        return 0;
    struct mp_event *e = new_event(MP_OP_EXEC, bpf_get_current_pid_tgid());
    if (!e)
        return 0;
    u16 off = args->data_loc_filename & 0xFFFF;
    int n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), (void *)args + off);
    e->path_len = n > 0 ? n : 0;
    /* execveat(dirfd, name) runs "/dev/fd/N/name", fexecve "/dev/fd/N":
     * named by the fd's identity (the fd may be closed by now, its record
     * is not) */
    s32 link_fd = -1;
    u32 magic = n > 8 ? magic_link(e->path, &link_fd) : 0;
    if (magic) {
        struct mp_name nm = {};
        nm.dirfd = e->dirfd;
        link_name(&nm, magic, link_fd, e->pid);
        e->aux = nm.aux;
        e->dirfd = nm.dirfd;
        e->base = nm.base;
    }
    bump_epoch(e->pid);
    mark_workload(e->pid);
    emit(e);
    return 0;
}

TRACEPOINT_PROBE(sched, sched_process_fork)
{
    if (!in_target())
        return 0;
    struct mp_event *e = new_event(MP_OP_FORK, bpf_get_current_pid_tgid());
    if (!e)
        return 0;
    u32 child = args->child_pid;
    e->aux = child;
    if (is_workload(e->pid))
        mark_workload(child);
    emit(e);
    /* The child's record: its parent, for the fds it inherits, and its root
     * (a thread's record is keyed by its thread id, which nothing looks up
     * while it lives). A reused pid continues the epoch of its predecessor. */
    struct mp_proc *old = procs.lookup(&child);
    struct mp_proc rec = {};
    rec.epoch = old ? old->epoch + 1 : 0;
    rec.parent = e->pid;
    rec.root = root_identity(e->pid);
    rec.born = next_generation();
    procs.update(&child, &rec);
    return 0;
}

/* A task moved to another cgroup (in any hierarchy): every cached answer
 * is stale (see member). Moves are rare: a container or service starting. */
TRACEPOINT_PROBE(cgroup, cgroup_attach_task)
{
    u32 zero = 0;
    u64 *mv = moves.lookup(&zero);
    if (mv)
        __sync_fetch_and_add(mv, 1);
    return 0;
}

/* A task that is gone: a marker that fds recorded under this id before now
 * belong to it, should the id come back; and no workload mark left. */
static __always_inline void gone(u32 id)
{
    unmark_workload(id);
    struct mp_proc *old = procs.lookup(&id);
    struct mp_proc rec = {};
    rec.epoch = old ? old->epoch + 1 : 1;
    rec.born = next_generation();
    procs.update(&id, &rec);
}

TRACEPOINT_PROBE(sched, sched_process_exit)
{
    u64 pid_tgid = bpf_get_current_pid_tgid();
    forget_member(pid_tgid >> 32);      /* before the check: whatever the cgroup says by now */
    if (!in_target())
        return 0;
    u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
#ifdef MP_EXIT_GROUP_DEAD
    /* The process ends with its last thread, whichever that is: a leader
     * that exits first (pthread_exit) leaves its threads with its fds, cwd,
     * root and workload mark. */
    if (!args->group_dead) {
        if (tid != tgid)
            gone(tid);
        return 0;
    }
    gone(tgid);
    if (tid != tgid)
        gone(tid);
#else
    gone(tid);
    if (tid != tgid)
        return 0; /* a thread, not the process */
#endif
    struct mp_event *e = new_event(MP_OP_EXIT, pid_tgid);
    if (!e)
        return 0;
    emit(e);
    return 0;
}
