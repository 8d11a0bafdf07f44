/*
 * The guest's view of its own /proc files (proc(5)): /proc/self/maps lists the
 * guest's mappings (the host's lines for guest memory, in guest addresses and
 * with the guest's protections, the emulator's own memory left out),
 * /proc/self/cmdline the guest's argv, /proc/self/auxv the auxiliary vector
 * the guest started with, /proc/cpuinfo the emulated CPU (cpuinfo.c), and
 * /sys/devices/system/cpu/online the one CPU the guest runs on. The
 * same files under /proc/PID and /proc/self/stat (write_stat) and
 * /proc/thread-self are ours too. Each open gets a memfd holding the text,
 * as the kernel makes it at open time. (/proc/self/exe is in guest_path;
 * comm and stat name the guest because main.c sets the host's comm.)
 * Other processes (ps, pidof, killall) read the host's /proc/PID/cmdline:
 * the emulator's argument strings are overwritten with the guest's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "linux-user/user.h"

/* The column where the kernel starts a mapping's name (fs/proc/task_mmu.c:
 * show_vma_header_prefix then seq_pad to 25 + sizeof(void *) * 6 - 1 on a
 * 64-bit kernel, for 32-bit tasks too). */
#define MAPS_NAME_COLUMN 73

typedef struct HostMapping {
    uint64_t start, end, offset, inode;
    unsigned dev_major, dev_minor;
    char perms[5];
    const char *name;
} HostMapping;

static bool parse_maps_line(char *line, HostMapping *m)
{
    int name_pos = 0;
    unsigned long long start, end, offset, inode;
    if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, m->perms, &offset,
               &m->dev_major, &m->dev_minor, &inode, &name_pos) < 7) {
        return false;
    }
    m->start = start; m->end = end; m->offset = offset; m->inode = inode;
    char *name = line + name_pos;
    name[strcspn(name, "\n")] = '\0';
    m->name = name;
    return true;
}

static const char *guest_region_name(UserProcess *p, uint64_t start, const char *host_name)
{
    if (start >= p->stack_start && start < p->stack_end) {
        return "[stack]";
    }
    if (!host_name[0] && start >= p->brk_start && start < p->brk_mapped_end) {
        return "[heap]";
    }
    return host_name;
}

static void print_guest_run(UserProcess *p, FILE *out, const HostMapping *m, uint64_t start,
                            uint64_t end, int flags)
{
    uint64_t host_start = (uint64_t)(uintptr_t)guest_to_host(p, start);
    uint64_t offset = m->inode ? m->offset + (host_start - m->start) : 0;
    int len = fprintf(out, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ",
                      start, end, (flags & PAGE_READ) ? 'r' : '-',
                      (flags & (PAGE_WRITE | PAGE_WRITE_ORG)) ? 'w' : '-',
                      (flags & PAGE_EXEC) ? 'x' : '-', m->perms[3], offset,
                      m->dev_major, m->dev_minor, m->inode);
    const char *name = guest_region_name(p, start, m->name);
    if (name[0]) {
        fprintf(out, "%*s%s", len < MAPS_NAME_COLUMN ? MAPS_NAME_COLUMN - len : 0, "", name);
    }
    fputc('\n', out);
}

/* The guest pages of one host mapping, in runs of equal protection. */
static void print_guest_part(UserProcess *p, FILE *out, const HostMapping *m)
{
    uint64_t lo = m->start, hi = m->end;
    if (p->reserved_size) {
        uint64_t base = p->guest_base, top = p->guest_base + p->reserved_size;
        lo = lo < base ? base : lo;
        hi = hi > top ? top : hi;
        if (lo >= hi) {
            return;
        }
    }
    const int keep = PAGE_VALID | PAGE_READ | PAGE_WRITE | PAGE_EXEC | PAGE_WRITE_ORG;
    uint64_t a = host_to_guest(p, (void *)(uintptr_t)lo), end = a + (hi - lo);
    while (a < end) {
        uint64_t rs, re;
        bool reserved = guest_reserve_next(p, a, end, &rs, &re);
        if (reserved && rs == a) {
            /* a reservation (mmap-reserve.c): one PROT_NONE run */
            print_guest_run(p, out, m, a, re, PAGE_VALID);
            a = re;
            continue;
        }
        uint64_t limit = reserved ? rs : end;
        uint64_t next = page_next_tracked(p->cpu, a, limit);
        if (next > a) {
            a = next;       /* the guest never mapped [a, next): not one page walked */
            continue;
        }
        int flags = page_get_flags(p->cpu, a) & keep;
        uint64_t run = a + GUEST_PAGE_SIZE;
        while (run < limit && (page_get_flags(p->cpu, run) & keep) == flags) {
            run += GUEST_PAGE_SIZE;
        }
        if (flags & PAGE_VALID) {
            print_guest_run(p, out, m, a, run, flags);
        }
        a = run;
    }
}

static void write_maps(UserProcess *p, FILE *out)
{
    FILE *in = fopen("/proc/self/maps", "r");
    char *line = NULL;
    size_t cap = 0;
    if (!in) {
        return;
    }
    while (getline(&line, &cap, in) > 0) {
        HostMapping m;
        if (parse_maps_line(line, &m)) {
            print_guest_part(p, out, &m);
        }
    }
    free(line);
    fclose(in);
}

/*
 * /proc/self/stat (proc(5)): the host's line, whose process name is already
 * the guest's (main.c sets it), with the address fields describing the guest:
 * startcode/endcode (26, 27) and start_data/end_data (45, 46) the program's
 * image, startstack (28) its initial stack pointer, start_brk (47) its heap;
 * kstkesp/kstkeip (29, 30) and the argument and environment bounds (48-51),
 * which the emulator does not track, 0. vsize and rss stay the host's: the
 * emulator's memory is part of the guest's process.
 */
static void write_stat(UserProcess *p, FILE *out)
{
    char line[1024];
    FILE *in = fopen("/proc/self/stat", "r");
    if (!in) {
        return;
    }
    size_t n = fread(line, 1, sizeof(line) - 1, in);
    fclose(in);
    line[n] = '\0';
    char *close_paren = strrchr(line, ')');
    if (!close_paren) {
        fputs(line, out);
        return;
    }
    fwrite(line, 1, (size_t)(close_paren + 1 - line), out);
    uint64_t set[53] = { 0 };
    bool replace[53] = { false };
    const int zeroed[] = { 29, 30, 48, 49, 50, 51 };
    for (size_t i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++) {
        replace[zeroed[i]] = true;
    }
    set[26] = set[45] = p->start_code;
    set[27] = set[46] = p->end_code;
    set[28] = p->start_stack;
    set[47] = p->brk_start;
    replace[26] = replace[27] = replace[28] = replace[45] = replace[46] = replace[47] = true;
    int field = 3;
    for (char *tok = strtok(close_paren + 1, " \n"); tok; tok = strtok(NULL, " \n"), field++) {
        if (field < 53 && replace[field]) {
            fprintf(out, " %" PRIu64, set[field]);
        } else {
            fprintf(out, " %s", tok);
        }
    }
    fputc('\n', out);
}

/* "self", "thread-self" or our own pid, then "/" and the file's name. */
const char *procfs_self_file(const char *path)
{
    if (strncmp(path, "/proc/", 6) != 0) {
        return NULL;
    }
    const char *s = path + 6;
    char pid[32];
    snprintf(pid, sizeof(pid), "%d/", (int)getpid());
    if (strncmp(s, "self/", 5) == 0) {
        return s + 5;
    }
    if (strncmp(s, "thread-self/", 12) == 0) {
        return s + 12;
    }
    if (strncmp(s, pid, strlen(pid)) == 0) {
        return s + strlen(pid);
    }
    return NULL;
}

int64_t procfs_open(UserProcess *p, int dirfd, const char *path, int flags)
{
    (void)dirfd;                    /* only absolute paths name them */
    const char *file = procfs_self_file(path);
    bool cpuinfo = strcmp(path, "/proc/cpuinfo") == 0;
    /* glibc's get_nprocs (sysconf(_SC_NPROCESSORS_ONLN)) reads this one */
    bool online = strcmp(path, "/sys/devices/system/cpu/online") == 0;
    if (!cpuinfo && !online && (!file || (strcmp(file, "maps") != 0 && strcmp(file, "cmdline") != 0 &&
                               strcmp(file, "auxv") != 0 && strcmp(file, "stat") != 0))) {
        return 0;
    }
    if ((flags & O_ACCMODE) != O_RDONLY) {
        return -EACCES;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        return -ENOMEM;
    }
    if (cpuinfo) {
        procfs_write_cpuinfo(p, out);
    } else if (online) {
        fputs("0\n", out);
    } else if (strcmp(file, "maps") == 0) {
        write_maps(p, out);
    } else if (strcmp(file, "stat") == 0) {
        write_stat(p, out);
    } else if (strcmp(file, "cmdline") == 0) {
        fwrite(p->cmdline, 1, p->cmdline_len, out);
    } else {
        fwrite(p->auxv, 1, p->auxv_len, out);
    }
    fclose(out);
    int fd = memfd_create("quetzal-proc", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
    int64_t ret = fd < 0 ? -errno : fd;
    if (fd >= 0 && (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0)) {
        ret = -EIO;
        close(fd);
    }
    free(text);
    return ret;
}

/* Linux's /proc/PID/cmdline is the memory from the first argument string to
 * the end of the last (fs/proc/base.c, get_mm_cmdline), contiguous on the
 * initial stack: the guest's argv goes there, the rest is zeroed, so ps and
 * pidof see the guest program. The guest's strings are never longer: they are
 * the tail of the emulator's, or come from -0 whose own string is there too. */
void procfs_set_host_cmdline(char **host_argv, int host_argc, int argc, char **argv)
{
    if (host_argc == 0) {
        return;
    }
    char *area = host_argv[0];
    char *last = host_argv[host_argc - 1];
    size_t size = (size_t)(last + strlen(last) + 1 - area);
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (used + n > size) {
            break;
        }
        memcpy(area + used, argv[i], n);
        used += n;
    }
    memset(area + used, 0, size - used);
}
