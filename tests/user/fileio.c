/* File I/O in the folder given as argv[1]. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) != 0) {
        return 2;
    }
    FILE *f = fopen("data.txt", "w");
    for (int i = 0; i < 1000; i++) {
        fprintf(f, "line %d\n", i);
    }
    fclose(f);
    struct stat st;
    check(stat("data.txt", &st) == 0, "stat");
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    int fd = open("data.txt", O_RDWR);
    char buf[64];
    lseek(fd, 70, SEEK_SET);
    ssize_t n = read(fd, buf, 20);
    printf("read %zd: %.20s\n", n, buf);
    check(pwrite(fd, "LINE", 4, 0) == 4, "pwrite");
    n = pread(fd, buf, 10, 0);
    printf("pread %.10s\n", buf);
    check(ftruncate(fd, 100) == 0, "ftruncate");
    check(fstat(fd, &st) == 0 && st.st_size == 100, "fstat size");
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 20 };
    check(fcntl(fd, F_SETLK, &lock) == 0, "fcntl F_SETLK");
    lock.l_type = F_RDLCK;
    check(fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type == F_UNLCK, "fcntl F_GETLK");
    check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "fcntl F_GETFL");
    check(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC");
    struct timespec times[2] = { { 1000000000, 5 }, { 1234567890, 123456789 } };
    check(futimens(fd, times) == 0, "futimens");
    check(fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1234567890 &&
          st.st_mtim.tv_nsec == 123456789, "mtime set");
    close(fd);
    struct timeval tv[2] = { { 2000000000, 0 }, { 1500000000, 250000 } };
    check(utimes("data.txt", tv) == 0 && stat("data.txt", &st) == 0 &&
          st.st_mtime == 1500000000, "utimes");
    struct statvfs vfs;
    check(statvfs(".", &vfs) == 0, "statvfs");
    printf("statvfs block size %lu name max %lu\n", (unsigned long)vfs.f_bsize,
           (unsigned long)vfs.f_namemax);
    check(mkdir("sub", 0755) == 0, "mkdir");
    check(rename("data.txt", "sub/moved.txt") == 0, "rename");
    check(access("sub/moved.txt", R_OK) == 0, "access");
    check(access("data.txt", F_OK) != 0, "access gone");
    check(symlink("moved.txt", "sub/link") == 0, "symlink");
    n = readlink("sub/link", buf, sizeof(buf));
    printf("readlink %.*s\n", (int)n, buf);
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "sub/file%d", i);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    DIR *dir = opendir("sub");
    char *names[32];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && count < 32) {
        names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, (size_t)count, sizeof(char *), compare_names);
    for (int i = 0; i < count; i++) {
        printf("entry %s\n", names[i]);
    }
    char cwd[4096];
    check(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, argv[1]) == 0, "getcwd");
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    check(write(fds[1], "through the pipe", 16) == 16, "pipe write");
    n = read(fds[0], buf, sizeof(buf));
    printf("pipe %.*s\n", (int)n, buf);
    int copy = dup(fds[0]);
    check(copy > fds[0] || copy > fds[1], "dup");
    check(dup2(copy, 20) == 20, "dup2");
    close(fds[0]); close(fds[1]); close(copy); close(20);
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "sub/file%d", i);
        unlink(name);
    }
    unlink("sub/link");
    unlink("sub/moved.txt");
    check(rmdir("sub") == 0, "rmdir");
    check(open("missing", O_RDONLY) < 0, "open missing");
    return 0;
}
