/* Benchmark workloads, built static so they run in any container.
 *   workload reuse N        N rounds of open(p), close, stat(p), access("/etc/missing-file"),
 *                           p cycling through four files: the kernel hands out the same fd
 *                           number for every open (prints wall and CPU ns)
 *   workload one N          the same on one file (prints wall and CPU ns)
 *   workload rate R SECS    distinct names stat'ed at R per second (0: as fast as
 *                           possible) for SECS seconds; prints how many. Every name
 *                           is /etc/hostname spelled another way ("/" or "/." for each
 *                           bit of the count), so each is a file found (a failed
 *                           lookup is an event only with --events) and none is
 *                           deduplicated
 *   workload http PORT N K  N keep-alive GETs of /f/<i % K>.html from 127.0.0.1:PORT,
 *                           each response read whole; prints wall ns */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

static int loop(long n, int files)
{
    static const char *paths[] = {"/etc/hostname", "/etc/passwd", "/etc/debian_version",
                                  "/usr/share/zoneinfo/UTC"};
    struct stat st;
    long long start = now_ns(), cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < n; i++) {
        const char *p = paths[i % files];
        int fd = open(p, O_RDONLY);
        if (fd >= 0)
            close(fd);
        stat(p, &st);
        access("/etc/missing-file", F_OK);
    }
    printf("%lld %lld\n", now_ns() - start, clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu);
    return 0;
}

static int rate(long per_second, double seconds)
{
    char path[128] = "/etc";
    struct stat st;
    long long start = now_ns(), end = start + (long long)(seconds * 1e9);
    long sent = 0;
    while (now_ns() < end) {
        if (per_second > 0) {
            long long due = start + (long long)(sent * (1e9 / per_second));
            while (now_ns() < due)
                ;
        }
        char *at = path + 4;    /* after "/etc" */
        for (int bit = 0; bit < 28; bit++) {
            *at++ = '/';
            if ((sent >> bit) & 1)
                *at++ = '.';
        }
        memcpy(at, "/hostname", sizeof("/hostname"));
        if (stat(path, &st) != 0)
            return 1;
        sent++;
    }
    printf("%ld\n", sent);
    return 0;
}

/* Reads one HTTP/1.1 response with a Content-Length; 0 when complete. */
static int read_response(int s, char *buf, size_t size)
{
    size_t have = 0;
    char *body = NULL;
    long length = -1;
    for (;;) {
        ssize_t n = read(s, buf + have, size - 1 - have);
        if (n <= 0)
            return -1;
        have += n;
        buf[have] = 0;
        if (!body && (body = strstr(buf, "\r\n\r\n"))) {
            char *cl = strcasestr(buf, "Content-Length:");
            if (!cl)
                return -1;
            length = atol(cl + 15);
            body += 4;
        }
        if (body && (long)(buf + have - body) >= length)
            return (long)(buf + have - body) == length ? 0 : -1;
        if (have >= size - 1)
            return -1;
    }
}

static int dial(int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        perror("connect");
        exit(1);
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return s;
}

/* Keep-alive requests; the server closes a connection after so many
 * (nginx: 1000), and the request is sent again on a new one. */
static int http(int port, long n, long files)
{
    char req[256], buf[65536];
    int s = dial(port);
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        int len = snprintf(req, sizeof(req), "GET /f/%ld.html HTTP/1.1\r\nHost: bench\r\n\r\n",
                           i % files);
        int tries = 0;
        while (write(s, req, len) != len || read_response(s, buf, sizeof(buf)) != 0) {
            close(s);
            s = dial(port);
            if (++tries == 2) {
                fprintf(stderr, "request %ld failed\n", i);
                return 1;
            }
        }
    }
    printf("%lld\n", now_ns() - start);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "reuse") == 0)
        return loop(atol(argv[2]), 4);
    if (argc == 3 && strcmp(argv[1], "one") == 0)
        return loop(atol(argv[2]), 1);
    if (argc == 4 && strcmp(argv[1], "rate") == 0)
        return rate(atol(argv[2]), atof(argv[3]));
    if (argc == 5 && strcmp(argv[1], "http") == 0)
        return http(atoi(argv[2]), atol(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: workload reuse N | one N | rate PER_SECOND SECONDS | http PORT N FILES\n");
    return 2;
}
