/*
 * GNU readline for the HMP on the terminal (-monitor stdio, mon:stdio): line
 * editing, history kept in a file ($QUETZAL_HISTORY, else ~/.quetzal_history,
 * at most 1000 lines) and completion of command names, info sub-commands,
 * key names (sendkey) and file names. readline's callback interface
 * (rl_callback_read_char) is fed the bytes the main loop read, so the
 * emulator never blocks in readline; the terminal stays in the raw mode the
 * char back end set. Readline's state is per process: one terminal monitor.
 * Without libreadline (configure --disable-readline) the monitor reads plain
 * lines instead.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config-host.h"
#include "ui/keymap.h"
#include "monitor/internal.h"
#include "system/drive.h"

#ifdef CONFIG_READLINE
#include <readline/history.h>
#include <readline/readline.h>

#define HISTORY_MAX 1000
#define PROMPT "(qemu) "

/* Readline's callbacks take no opaque pointer: the one terminal monitor and
 * the bytes not yet consumed (process-wide like readline's own state). */
static Monitor *rl_mon;
static const uint8_t *rl_buf;
static size_t rl_len;
static char *rl_history_file;
static bool rl_installed;

static int getc_from_buffer(FILE *f)
{
    if (!rl_len) {
        return EOF;     /* not reached: we call readline only with bytes */
    }
    rl_len--;
    return *rl_buf++;
}

static int input_available(void)
{
    return rl_len > 0;
}

static void no_prep(int meta)
{
}

static void no_deprep(void)
{
}

static void line_done(char *line)
{
    if (!line) {
        return;         /* Ctrl-D on an empty line: the monitor stays */
    }
    if (*line) {
        add_history(line);
        if (rl_history_file) {
            append_history(1, rl_history_file);
            history_truncate_file(rl_history_file, HISTORY_MAX);
        }
    }
    fflush(rl_outstream);
    hmp_run_line(rl_mon, line);
    free(line);
}

/* --- completion --- */

typedef const char *Source(const char *prefix, int i);
static Source *rl_source;

static char *generator(const char *text, int state)
{
    static int index;
    if (!state) {
        index = 0;
    }
    const char *s = rl_source(text, index++);
    return s ? strdup(s) : NULL;
}

/* The drives' names (info block), for change, eject and commit. */
static const char *device_complete(const char *prefix, int i)
{
    DriveSet *ds = rl_mon ? rl_mon->host->opts.drives : NULL;
    size_t n = strlen(prefix);
    for (int k = 0; ds && k < ds->ninfo; k++) {
        if (ds->info[k] && !strncmp(ds->info[k]->name, prefix, n) && i-- == 0) {
            return ds->info[k]->name;
        }
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    /* the words before the one being completed */
    char *copy = strndup(rl_line_buffer, start), *save = NULL, *first = NULL;
    int words = 0;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (!words++) {
            first = w;
        }
    }
    char kind = 0;
    rl_source = NULL;
    if (words == 0) {
        rl_source = hmp_complete_command;
    } else if (words == 1 && !strcmp(first, "info")) {
        rl_source = hmp_complete_info;
    } else if ((kind = hmp_arg_kind(first, words)) == 'K') {
        rl_source = keyname_complete;
    } else if (kind == 'D') {
        rl_source = device_complete;
    }
    free(copy);
    /* F, and change's FILE [FORMAT] (S): readline's file names */
    rl_attempted_completion_over = kind != 'F' && kind != 'S';
    return rl_source ? rl_completion_matches(text, generator) : NULL;
}

static char *history_path(void)
{
    const char *env = getenv("QUETZAL_HISTORY"), *home = getenv("HOME");
    char *path = NULL;
    if (env) {
        return *env ? strdup(env) : NULL;
    }
    if (home && asprintf(&path, "%s/.quetzal_history", home) < 0) {
        path = NULL;
    }
    return path;
}

bool rl_monitor_start(Monitor *mon)
{
    if (rl_mon || !isatty(0)) {
        return false;   /* a pipe: plain lines, no echo (scripts) */
    }
    rl_mon = mon;
    rl_readline_name = "quetzal";
    rl_instream = stdin;
    rl_outstream = stdout;
    rl_getc_function = getc_from_buffer;
    rl_input_available_hook = input_available;
    rl_prep_term_function = no_prep;
    rl_deprep_term_function = no_deprep;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_attempted_completion_function = complete;
    using_history();
    rl_history_file = history_path();
    if (rl_history_file && read_history(rl_history_file) != 0) {
        write_history(rl_history_file);     /* create it: append_history needs it */
    }
    return true;
}

void rl_monitor_focus(Monitor *mon, bool in)
{
    if (in && !rl_installed) {
        rl_callback_handler_install(PROMPT, line_done);
        /* readline echoes only when it set the terminal up itself; the char
         * back end did (raw, no ECHO): readline shows what is typed */
        rl_tty_set_echoing(1);
        rl_installed = true;
    } else if (!in && rl_installed) {
        rl_callback_handler_remove();
        rl_installed = false;
    }
}

void rl_monitor_input(Monitor *mon, const uint8_t *buf, size_t len)
{
    rl_buf = buf;
    rl_len = len;
    while (rl_len && rl_installed) {
        rl_callback_read_char();
    }
    rl_len = 0;
    fflush(rl_outstream);
}

void rl_monitor_stop(Monitor *mon)
{
    rl_monitor_focus(mon, false);
    free(rl_history_file);
    rl_history_file = NULL;
    rl_mon = NULL;
}

void rl_monitor_history(FILE *out)
{
    HIST_ENTRY **list = history_list();
    for (int i = 0; list && list[i]; i++) {
        fprintf(out, "%d: '%s'\n", i, list[i]->line);
    }
}

#else   /* !CONFIG_READLINE */

bool rl_monitor_start(Monitor *mon) { return false; }
void rl_monitor_focus(Monitor *mon, bool in) { }
void rl_monitor_input(Monitor *mon, const uint8_t *buf, size_t len) { }
void rl_monitor_stop(Monitor *mon) { }
void rl_monitor_history(FILE *out) { fprintf(out, "no history: built without readline\n"); }

#endif
