/* The floor under vaed's single-request latency: the least a server that sleeps between requests can do.
 *
 * Listens on a Unix socket (argv[1]) and answers each request line at once, from a thread per connection blocked
 * in read(2): `hello` with a hello-shaped result (so `vaectl bench` accepts it as a daemon), anything else with
 * {"result":{"status":"ok"}} under the request's id. No parsing beyond finding the id, no model, no event loop.
 * Built and run by serving.py's latency scenario:
 *
 *     cc -O2 -pthread -o line_echo Tools/bench/line_echo.c && ./line_echo /tmp/echo.sock
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const char *bytes, size_t count) {
    while (count > 0) {
        ssize_t n = write(fd, bytes, count);
        if (n <= 0) return -1;
        bytes += n;
        count -= (size_t)n;
    }
    return 0;
}

/* Answers one line (without its newline); returns -1 when the peer has gone. */
static int answer(int fd, const char *line, size_t length) {
    char id[64] = "null";
    const char *key = memmem(line, length, "\"id\":", 5);
    if (key) {
        const char *start = key + 5, *end = start;
        while (end < line + length && *end != ',' && *end != '}' && end - start < 63) end++;
        memcpy(id, start, (size_t)(end - start));
        id[end - start] = 0;
    }
    char out[256];
    int n = memmem(line, length, "\"hello\"", 7)
        ? snprintf(out, sizeof out, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"protocol\":1,\"server\":\"line_echo\","
                   "\"limits\":{\"max_line_bytes\":1048576,\"max_batch\":256},\"models\":[]}}\n", id)
        : snprintf(out, sizeof out, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"status\":\"ok\"}}\n", id);
    return write_all(fd, out, (size_t)n);
}

static void *serve(void *argument) {
    int fd = (int)(long)argument;
    static const size_t capacity = 2 << 20;
    char *buffer = malloc(capacity);
    size_t used = 0;
    while (buffer) {
        ssize_t n = read(fd, buffer + used, capacity - used);
        if (n <= 0) break;
        used += (size_t)n;
        size_t start = 0;
        for (char *newline; (newline = memchr(buffer + start, '\n', used - start)); ) {
            if (answer(fd, buffer + start, (size_t)(newline - buffer - start)) < 0) goto done;
            start = (size_t)(newline - buffer) + 1;
        }
        memmove(buffer, buffer + start, used - start);
        used -= start;
        if (used == capacity) break; /* a line longer than the buffer */
    }
done:
    free(buffer);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: line_echo SOCKET\n");
        return 2;
    }
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof address.sun_path) {
        fprintf(stderr, "line_echo: socket path too long: %s\n", argv[1]);
        return 2;
    }
    strcpy(address.sun_path, argv[1]);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(argv[1]);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 64) < 0) {
        perror("line_echo");
        return 1;
    }
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, (void *)(long)fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(thread);
    }
}
