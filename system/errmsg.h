/*
 * Error messages as values: the functions of net/ and migration/ (and others
 * that report to a caller, who prints or sends the one line) return a
 * malloc'd printf-style message, or NULL for success.
 */
#ifndef SYSTEM_ERRMSG_H
#define SYSTEM_ERRMSG_H

/* A malloc'd printf-style message (NULL when out of memory). */
char *errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
