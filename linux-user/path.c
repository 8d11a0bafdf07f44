/*
 * The guest sysroot (-L PATH or QUETZAL_LD_PREFIX / QEMU_LD_PREFIX): an
 * absolute path the guest names is looked for under the prefix first, as
 * qemu-user does, so that an i386 program finds /lib/ld-linux.so.2 and its
 * libraries in a sysroot made from Debian's i386 packages. Only files are
 * redirected, not directories: "/" or "/usr" under the prefix would hide the
 * host's tree from `ls /usr` or `cd /`, and ld.so only opens files.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "linux-user/user.h"

const char *user_prefix_path(UserProcess *p, const char *path, char *buf, size_t size)
{
    struct stat st;
    if (!p->ld_prefix || path[0] != '/') {
        return path;
    }
    int len = snprintf(buf, size, "%s%s", p->ld_prefix, path);
    if (len < 0 || (size_t)len >= size) {
        return path;
    }
    if (stat(buf, &st) != 0 || S_ISDIR(st.st_mode)) {
        return path;
    }
    return buf;
}
