/*
 * rpc-load: a closed-loop load generator for line-oriented request/reply servers on a Unix socket.
 *
 * Used by scripts/bench/rpc to drive metricsd (JSON-RPC over NDJSON) and, with the same client code,
 * Redis (inline "PING\r\n" -> "+PONG\r\n"), so the two are measured the same way.
 *
 * Model: C connections, each with exactly one request in flight (as redis-benchmark without -P): send the
 * fixed request line, wait for one reply line ('\n'-terminated), record its latency, send the next. One
 * thread, one epoll set, non-blocking sockets: the client spends as little CPU as possible, since on a
 * 2-core machine every cycle it burns is one the server does not get.
 *
 * Every reply is checked to contain the --expect string (e.g. "result"); replies that do not are counted
 * as errors and reported (and make the exit status 1), so a benchmark of error replies cannot pass as fast.
 *
 * Usage:
 *   rpc-load -s SOCKET -r REQUEST [-c CONNECTIONS] (-n REQUESTS | -d SECONDS) [-e EXPECT] [-w WARMUP]
 *     REQUEST  the request line; "\n" is appended unless it already ends with one ("\r\n" for Redis inline)
 *     WARMUP   requests sent (same connections) before measuring starts; not counted
 * Output (one line, key=value, for scripts): requests= errors= seconds= rps= p50_us= p90_us= p99_us= max_us=
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define READ_BUFFER (64 * 1024)

typedef struct {
    int fd;
    uint64_t sent_at_ns;
    size_t used; /* bytes of a partial reply line held in buf */
    char buf[READ_BUFFER];
} connection_t;

static const char *request;
static size_t request_len;
static const char *expect = NULL;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "rpc-load: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int open_connection(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path)) {
        fprintf(stderr, "rpc-load: socket path too long\n");
        exit(2);
    }
    strcpy(address.sun_path, path);
    /* Blocking connect (instant on a Unix socket unless the backlog is full), then non-blocking I/O. */
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) die("connect");
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
    return fd;
}

/* The request is far smaller than a socket buffer and only one is in flight, so a short write means the
 * peer is not reading at all; it is retried rather than queued. */
static void send_request(connection_t *c) {
    size_t offset = 0;
    c->sent_at_ns = now_ns();
    while (offset < request_len) {
        ssize_t n = send(c->fd, request + offset, request_len - offset, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("send");
        }
        offset += (size_t)n;
    }
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t percentile(const uint64_t *sorted, size_t count, double p) {
    if (count == 0) return 0;
    size_t rank = (size_t)(p / 100.0 * (double)count + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > count) rank = count;
    return sorted[rank - 1];
}

typedef struct {
    uint64_t *latencies; /* NULL while warming up */
    size_t recorded, capacity;
    uint64_t completed, issued, errors;
    uint64_t limit;       /* requests to issue; 0 = unlimited (duration mode) */
    uint64_t deadline_ns; /* stop issuing after this; 0 = none */
} phase_t;

/* Runs one phase to completion: every issued request is answered before it returns. */
static void run_phase(int epoll_fd, connection_t *connections, int count, phase_t *phase) {
    int in_flight = 0;
    for (int i = 0; i < count; i++) {
        if (phase->limit && phase->issued >= phase->limit) break;
        send_request(&connections[i]);
        phase->issued++;
        in_flight++;
    }
    struct epoll_event events[256];
    while (in_flight > 0) {
        int ready = epoll_wait(epoll_fd, events, 256, 10000);
        if (ready < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        if (ready == 0) {
            fprintf(stderr, "rpc-load: no reply for 10 s with %d requests in flight\n", in_flight);
            exit(2);
        }
        for (int e = 0; e < ready; e++) {
            connection_t *c = events[e].data.ptr;
            for (;;) {
                ssize_t n = recv(c->fd, c->buf + c->used, sizeof(c->buf) - c->used - 1, 0);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN) break;
                    die("recv");
                }
                if (n == 0) {
                    fprintf(stderr, "rpc-load: server closed a connection\n");
                    exit(2);
                }
                c->used += (size_t)n;
                char *newline = memchr(c->buf, '\n', c->used);
                if (!newline) {
                    if (c->used >= sizeof(c->buf) - 1) {
                        fprintf(stderr, "rpc-load: reply line longer than %d bytes\n", READ_BUFFER);
                        exit(2);
                    }
                    continue;
                }
                uint64_t latency = now_ns() - c->sent_at_ns;
                /* One request in flight: anything after the newline would be an unsolicited line. */
                *newline = '\0';
                if (expect && !strstr(c->buf, expect)) {
                    if (phase->errors == 0) fprintf(stderr, "rpc-load: unexpected reply: %.300s\n", c->buf);
                    phase->errors++;
                }
                c->used = 0;
                phase->completed++;
                in_flight--;
                if (phase->latencies) {
                    if (phase->recorded == phase->capacity) {
                        phase->capacity *= 2;
                        phase->latencies = realloc(phase->latencies, phase->capacity * sizeof(uint64_t));
                        if (!phase->latencies) die("realloc");
                    }
                    phase->latencies[phase->recorded++] = latency;
                }
                int more = (!phase->limit || phase->issued < phase->limit) &&
                           (!phase->deadline_ns || now_ns() < phase->deadline_ns);
                if (more) {
                    send_request(c);
                    phase->issued++;
                    in_flight++;
                }
                break;
            }
        }
    }
}

static void usage(void) {
    fprintf(stderr, "usage: rpc-load -s SOCKET -r REQUEST [-c CONNECTIONS] (-n REQUESTS | -d SECONDS) "
                    "[-e EXPECT] [-w WARMUP]\n");
    exit(3);
}

int main(int argc, char **argv) {
    const char *socket_path = NULL, *raw_request = NULL;
    int connection_count = 1;
    uint64_t requests = 0, warmup = 0;
    double seconds = 0;
    int option;
    while ((option = getopt(argc, argv, "s:r:c:n:d:e:w:")) != -1) {
        switch (option) {
        case 's': socket_path = optarg; break;
        case 'r': raw_request = optarg; break;
        case 'c': connection_count = atoi(optarg); break;
        case 'n': requests = strtoull(optarg, NULL, 10); break;
        case 'd': seconds = atof(optarg); break;
        case 'e': expect = optarg; break;
        case 'w': warmup = strtoull(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (!socket_path || !raw_request || connection_count < 1 || (requests == 0) == (seconds <= 0)) usage();

    size_t raw_len = strlen(raw_request);
    int needs_newline = raw_len == 0 || raw_request[raw_len - 1] != '\n';
    char *line = malloc(raw_len + 2);
    if (!line) die("malloc");
    memcpy(line, raw_request, raw_len);
    if (needs_newline) line[raw_len++] = '\n';
    line[raw_len] = '\0';
    request = line;
    request_len = raw_len;

    int epoll_fd = epoll_create1(0);
    if (epoll_fd < 0) die("epoll_create1");
    connection_t *connections = calloc((size_t)connection_count, sizeof(connection_t));
    if (!connections) die("calloc");
    for (int i = 0; i < connection_count; i++) {
        connections[i].fd = open_connection(socket_path);
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = &connections[i]};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, connections[i].fd, &event) != 0) die("epoll_ctl");
    }

    if (warmup > 0) {
        phase_t warm = {.limit = warmup};
        run_phase(epoll_fd, connections, connection_count, &warm);
        if (warm.errors > 0) {
            fprintf(stderr, "rpc-load: %llu of %llu warm-up replies were errors\n",
                    (unsigned long long)warm.errors, (unsigned long long)warm.completed);
        }
    }

    phase_t run = {.limit = requests};
    run.capacity = requests ? requests : 1 << 20;
    run.latencies = malloc(run.capacity * sizeof(uint64_t));
    if (!run.latencies) die("malloc");
    uint64_t started = now_ns();
    if (seconds > 0) run.deadline_ns = started + (uint64_t)(seconds * 1e9);
    run_phase(epoll_fd, connections, connection_count, &run);
    double elapsed = (double)(now_ns() - started) / 1e9;

    qsort(run.latencies, run.recorded, sizeof(uint64_t), compare_u64);
    printf("requests=%llu errors=%llu seconds=%.3f rps=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f\n",
           (unsigned long long)run.completed, (unsigned long long)run.errors, elapsed,
           (double)run.completed / elapsed,
           percentile(run.latencies, run.recorded, 50) / 1000.0,
           percentile(run.latencies, run.recorded, 90) / 1000.0,
           percentile(run.latencies, run.recorded, 99) / 1000.0,
           run.recorded ? run.latencies[run.recorded - 1] / 1000.0 : 0.0);

    for (int i = 0; i < connection_count; i++) close(connections[i].fd);
    free(connections);
    free(run.latencies);
    free(line);
    return run.errors > 0 ? 1 : 0;
}
