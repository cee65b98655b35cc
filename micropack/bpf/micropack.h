/* The layouts shared by trace_files.c and its Python side
 * (micropack/tracers/ebpf.py parses this file: keep one field per line, only
 * __u64/__s64/__u32/__s32/__u8/char types, and plain integer #defines). */
#ifndef MICROPACK_H
#define MICROPACK_H

#define MP_PATH_MAX 4096
#define MP_COMM_LEN 16

/* What the event records (mp_event.op). */
#define MP_OP_OPEN 1
#define MP_OP_OPENAT 2
#define MP_OP_OPENAT2 3
#define MP_OP_CREAT 4
#define MP_OP_EXECVE 5
#define MP_OP_EXECVEAT 6
#define MP_OP_STAT 7
#define MP_OP_LSTAT 8
#define MP_OP_NEWFSTATAT 9
#define MP_OP_STATX 10
#define MP_OP_ACCESS 11
#define MP_OP_FACCESSAT 12
#define MP_OP_FACCESSAT2 13
#define MP_OP_READLINK 14
#define MP_OP_READLINKAT 15
#define MP_OP_CHDIR 16
#define MP_OP_FCHDIR 17
#define MP_OP_EXEC 18
#define MP_OP_FORK 19
#define MP_OP_EXIT 20
#define MP_OP_MKDIR 21
#define MP_OP_RMDIR 22
#define MP_OP_UNLINK 23
#define MP_OP_RENAME 24
#define MP_OP_LINK 25
#define MP_OP_SYMLINK 26
#define MP_OP_CHMOD 27
#define MP_OP_CHOWN 28
#define MP_OP_TRUNCATE 29
#define MP_OP_UTIMES 30
#define MP_OP_MKNOD 31
#define MP_OP_STATFS 32
#define MP_OP_XATTR 33
#define MP_OP_INOTIFY_ADD_WATCH 34
#define MP_OP_CHROOT 35
#define MP_OP_NAME_TO_HANDLE_AT 36
#define MP_OP_BIND 37
#define MP_OP_CONNECT 38
#define MP_OP_RENAME_TO 39    /* the name rename/link create: their second name */
#define MP_OP_LINK_TO 40
/* Calls whose effect the tracer cannot follow: reported so that a trace
 * that may be wrong says so (the consumer warns). */
#define MP_OP_CLONE 41        /* a process sharing its cwd or fd table (CLONE_FS, CLONE_FILES) */
#define MP_OP_UNSHARE 42      /* unshare(CLONE_FS): a thread with a working directory of its own */
#define MP_OP_IO_URING_SETUP 43 /* io_uring: files opened through it make no syscall */

/* Per-CPU counters (index into the "counters" map). */
#define MP_CNT_EMITTED 0
#define MP_CNT_LOST 1
#define MP_CNT_READ_FAILED 2
#define MP_CNT_DEDUPED 3
#define MP_CNT_WAKEUPS 4      /* wakeups forced past the fill threshold */
#define MP_CNT_UNWOKEN 5      /* bytes sent since this CPU last forced one */
#define MP_CNT_UNIQUE 6       /* identities handed out for unknown directories */
#define MP_CNT_MAX 7

/* Syscall numbers (both the table below and seccomp counts) are below this. */
#define MP_SYSCALL_MAX 1024

/* Syscall ABIs: the table has MP_SYSCALL_MAX entries for each. */
#define MP_ABI_NATIVE 0
#define MP_ABI_IA32 1
#define MP_ABIS 2

/* How a traced call is read (mp_call.kind); 0: not traced. */
#define MP_KIND_PATH 1        /* a name, maybe relative to a directory fd */
#define MP_KIND_FD 2          /* fchdir: a directory fd, no name */
#define MP_KIND_UNIX 3        /* bind/connect: a sockaddr, a path if AF_UNIX */
#define MP_KIND_OPENAT2 4     /* openat2: flags inside struct open_how */
#define MP_KIND_SOCKETCALL 5  /* i386 socketcall(call, args): bind, connect */
#define MP_KIND_DUP 6         /* dup, dup2, dup3: the result names the same file */
#define MP_KIND_FCNTL 7       /* fcntl: F_DUPFD and F_DUPFD_CLOEXEC duplicate */
#define MP_KIND_CLONE 8       /* clone: flags in an argument */
#define MP_KIND_CLONE3 9      /* clone3: flags first in struct clone_args */
#define MP_KIND_UNSHARE 10    /* unshare: flags in an argument */
#define MP_KIND_NOTE 11       /* reported when it succeeds, nothing read; the result is an fd */
#define MP_KIND_NEW_FD 12     /* socket, accept, memfd_create, ...: the result is no named file */
#define MP_KIND_FD_PAIR 13    /* pipe, pipe2, socketpair: two such fds, in an array */
#define MP_KIND_RECVMSG 14    /* recvmsg: fds received with SCM_RIGHTS */
#define MP_KIND_RECVMMSG 15   /* recvmmsg: the same, in each message received */
#define MP_ARG_NONE 255     /* mp_call: no such argument */

/* mp_event.aux of a call that names a path. */
#define MP_AUX_UNREADABLE 1   /* the name could not be read (counted) */
#define MP_AUX_FD_LINK 2      /* /dev/fd/N/..., /proc/self/fd/N/...: dirfd is N, base its identity */
#define MP_AUX_SELF_LINK 3    /* /proc/self/cwd/..., /proc/self/root/... (thread-self too) */
#define MP_AUX_IN_ROOT 4      /* openat2 RESOLVE_IN_ROOT: the name is under dirfd, absolute or not */

/* AT_FDCWD as the kernel spells it. */
#define MP_AT_FDCWD -100

/* One entry of the syscall table (the "calls" map, indexed by
 * abi * MP_SYSCALL_MAX + number), filled from user space: which argument
 * holds the directory fd, the name and the flags (MP_ARG_NONE: none), and
 * for rename and link the second name, the one they create (op2). */
struct mp_call {
    __u8 op;
    __u8 kind;
    __u8 dirfd;
    __u8 path;
    __u8 flags;
    __u8 op2;
    __u8 dirfd2;
    __u8 path2;
};

/* base: the identity of the directory fd a relative name was resolved
 * against (0 when the name is absolute, relative to the working directory,
 * or the fd is unknown to the kernel); id: the identity the kernel gave the
 * fd an open returned (user space maps identities to absolute paths). */
struct mp_event {
    __u64 ts_ns;
    __u64 flags;
    __s64 result;
    __u64 base;
    __u64 id;
    __u32 pid;
    __u32 tid;
    __s32 dirfd;
    __u32 op;
    __u32 aux;        /* fork: the child's pid; syscalls: 1 when the path was unreadable */
    __u32 path_len;
    char comm[MP_COMM_LEN];
    char path[MP_PATH_MAX];
};

#endif
