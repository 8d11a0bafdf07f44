/* Sockets and select/poll: a socketpair, a TCP connection on the loopback
 * between a parent and its child, and readiness through select and poll. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void pair_test(void)
{
    int sv[2];
    char buf[32];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        printf("socketpair failed\n");
        return;
    }
    send(sv[0], "ping", 4, 0);
    fd_set set;
    FD_ZERO(&set);
    FD_SET(sv[1], &set);
    struct timeval tv = { 2, 0 };
    int ready = select(sv[1] + 1, &set, NULL, NULL, &tv);
    ssize_t n = recv(sv[1], buf, sizeof(buf), 0);
    printf("socketpair: select %d, received %.*s\n", ready, (int)n, buf);
    struct pollfd pfd = { sv[0], POLLIN, 0 };
    printf("poll with nothing to read: %d\n", poll(&pfd, 1, 10));
    close(sv[0]);
    close(sv[1]);
}

static void tcp_test(void)
{
    int server = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(server, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(server, 1) != 0) {
        printf("bind/listen failed\n");
        return;
    }
    socklen_t len = sizeof(addr);
    getsockname(server, (struct sockaddr *)&addr, &len);
    pid_t pid = fork();
    if (pid == 0) {
        int client = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(client, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            const char *msg = "hello over tcp";
            write(client, msg, strlen(msg));
        }
        close(client);
        _exit(0);
    }
    struct sockaddr_in peer;
    socklen_t peer_len = sizeof(peer);
    int conn = accept(server, (struct sockaddr *)&peer, &peer_len);
    char buf[64];
    ssize_t total = 0, n;
    while ((n = read(conn, buf + total, sizeof(buf) - (size_t)total)) > 0) {
        total += n;
    }
    int type = 0;
    socklen_t type_len = sizeof(type);
    getsockopt(conn, SOL_SOCKET, SO_TYPE, &type, &type_len);
    printf("tcp: peer family %d, type %d, received '%.*s'\n", peer.sin_family, type,
           (int)total, buf);
    close(conn);
    close(server);
    waitpid(pid, NULL, 0);
}

int main(void)
{
    pair_test();
    tcp_test();
    return 0;
}
