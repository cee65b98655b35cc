/* Benchmark workloads, built static so they run in any container.
 *   workload loop N        N rounds of open/close, stat, failed stat, access; prints ns
 *   workload rate R SECS   distinct failed opens at R per second (0: as fast as
 *                          possible) for SECS seconds; prints how many */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int loop(long n)
{
    struct stat st;
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0)
            close(fd);
        stat("/etc/passwd", &st);
        stat("/etc/does-not-exist", &st);
        access("/usr/bin/env", X_OK);
    }
    printf("%lld\n", now_ns() - start);
    return 0;
}

static int rate(long per_second, double seconds)
{
    char path[64];
    long long start = now_ns(), end = start + (long long)(seconds * 1e9);
    long sent = 0;
    while (now_ns() < end) {
        if (per_second > 0) {
            long long due = start + (long long)(sent * (1e9 / per_second));
            while (now_ns() < due)
                ;
        }
        snprintf(path, sizeof(path), "/nonexistent/rate/%ld", sent);
        open(path, O_RDONLY);
        sent++;
    }
    printf("%ld\n", sent);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && argv[1][0] == 'l')
        return loop(atol(argv[2]));
    if (argc == 4 && argv[1][0] == 'r')
        return rate(atol(argv[2]), atof(argv[3]));
    fprintf(stderr, "usage: workload loop N | workload rate PER_SECOND SECONDS\n");
    return 2;
}
