/*
 * Error messages as values (errmsg.h): one printf into a malloc'd string.
 */
#include <stdarg.h>
#include <stdio.h>
#include "system/errmsg.h"

char *errmsg(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    return s;
}
