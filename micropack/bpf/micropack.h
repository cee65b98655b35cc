/* The event layout shared by trace_files.c and its Python decoder
 * (micropack/tracers/ebpf.py parses this file: keep one field per line, only
 * __u64/__s64/__u32/__s32/char types, and plain integer #defines). */
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

/* Per-CPU counters (index into the "counters" map). */
#define MP_CNT_EMITTED 0
#define MP_CNT_LOST 1
#define MP_CNT_READ_FAILED 2
#define MP_CNT_DEDUPED 3
#define MP_CNT_MAX 4

/* Syscall numbers counted for seccomp profiles are below this. */
#define MP_SYSCALL_MAX 1024

/* AT_FDCWD as the kernel spells it. */
#define MP_AT_FDCWD -100

struct mp_event {
    __u64 ts_ns;
    __u64 flags;
    __s64 result;
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
