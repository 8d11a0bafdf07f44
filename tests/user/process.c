/* fork, wait, exit status, pipes between processes, signals seen by the parent. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int fds[2];
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char *msg = "hello from the child";
        write(fds[1], msg, strlen(msg));
        _exit(42);
    }
    close(fds[1]);
    char buf[64];
    ssize_t n = read(fds[0], buf, sizeof(buf));
    int status;
    waitpid(pid, &status, 0);
    printf("child said '%.*s', exited %d with %d\n", (int)n, buf, WIFEXITED(status),
           WEXITSTATUS(status));
    pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    printf("second child signaled %d with %d\n", WIFSIGNALED(status), WTERMSIG(status));
    printf("getpid matches getppid of child: ");
    fflush(stdout);
    pid_t parent = getpid();
    pid = fork();
    if (pid == 0) {
        printf("%s\n", getppid() == parent ? "yes" : "no");
        exit(0);
    }
    waitpid(pid, &status, 0);
    return 3;
}
