/*
 * quetzal-x86_64 / quetzal-i386: command line (modelled on qemu-x86_64's),
 * process set-up and the main loop that runs the guest through cpu_exec and
 * turns its exceptions into system calls or signals.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "linux-user/user.h"

#define DEFAULT_STACK_SIZE (8ULL << 20)
#define CODE_BUFFER_SIZE (64u << 20)

extern char **environ;

typedef struct Options {
    const char *prog;               /* quetzal-x86_64 or quetzal-i386 */
    unsigned log_flags;
    const char *log_file;
    bool strace;
    uint64_t stack_size;
    const char *argv0;
    const char *execfn;             /* -execfn: the file name the guest's execve gave */
    char **env;                     /* the guest environment, after -E/-U */
    int nb_env;
    const char *stack_arg;          /* -s as given */
    const char *ld_prefix;          /* -L, QUETZAL_LD_PREFIX or QEMU_LD_PREFIX */
    const char *cpu_arg;            /* -cpu as given */
    const X86CPUModel *cpu_model;   /* the identity CPUID reports */
    char *pass[8];                  /* options handed on at execve */
    int nb_pass;
} Options;

typedef struct LogItem {
    const char *name;
    unsigned flag;
    const char *help;
} LogItem;

static const LogItem log_items[] = {
    { "in_asm", TCG_LOG_IN_ASM, "guest code of each translated block" },
    { "op", TCG_LOG_OP, "IR of each block" },
    { "op_opt", TCG_LOG_OP_OPT, "IR after optimization" },
    { "out_asm", TCG_LOG_OUT_ASM, "host code generated" },
    { "exec", TCG_LOG_EXEC, "each block executed" },
};

static void usage(const char *prog)
{
    printf("usage: %s [options] program [arguments...]\n"
           "Runs a Linux %s program (static or dynamically linked).\n\n"
           "Options:\n"
           "  -h              print this help and exit\n"
           "  -version        print the version and exit\n"
           "  -d item[,...]   log (see -d help)\n"
           "  -D file         write the log to file instead of stderr\n"
           "  -strace         print every system call and its result\n"
           "  -E var=value    set an environment variable for the program\n"
           "  -U var          remove an environment variable\n"
           "  -s size         stack size (suffixes k, M, G) [8M]\n"
           "  -0 argv0        argv[0] for the program\n"
           "  -execfn name    the file name AT_EXECFN and the process name come from\n"
           "                  [the program's path] (a guest's execve passes it on)\n"
           "  -cpu model      CPU model CPUID reports: qemu64 (AMD, as qemu-x86_64's\n"
           "                  default), max, quetzal [qemu64]; glibc's loader takes\n"
           "                  only a vendor it knows (quetzal: static programs only)\n"
           "  -L path         guest sysroot: absolute paths the program opens (its\n"
           "                  interpreter, libraries) are looked for there first\n"
           "                  [$QUETZAL_LD_PREFIX or $QEMU_LD_PREFIX]\n",
           prog, strcmp(prog, "quetzal-i386") == 0 ? "i386" : "x86-64");
}

static void option_error(const Options *o, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", o->prog);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static unsigned parse_log_items(const Options *o, const char *list)
{
    if (strcmp(list, "help") == 0) {
        for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++) {
            printf("%-8s %s\n", log_items[i].name, log_items[i].help);
        }
        exit(0);
    }
    unsigned flags = 0;
    const char *s = list;
    while (*s) {
        size_t len = strcspn(s, ",");
        size_t i;
        for (i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++) {
            if (strlen(log_items[i].name) == len && strncmp(log_items[i].name, s, len) == 0) {
                flags |= log_items[i].flag;
                break;
            }
        }
        if (i == sizeof(log_items) / sizeof(log_items[0])) {
            option_error(o, "-d: unknown log item '%s' (see -d help)", s);
        }
        s += len;
        s += *s == ',';
    }
    return flags;
}

static uint64_t parse_size(const Options *o, const char *arg)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(arg, &end, 0);
    unsigned shift = 0;
    switch (tolower((unsigned char)*end)) {
    case 'k': shift = 10; end++; break;
    case 'm': shift = 20; end++; break;
    case 'g': shift = 30; end++; break;
    default: break;
    }
    if (errno || end == arg || *end || arg[0] == '-' || value == 0 ||
        value > (1ULL << 40) >> shift) {
        option_error(o, "-s: invalid stack size '%s'", arg);
    }
    return value << shift;
}

static void env_unset(Options *o, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < o->nb_env; i++) {
        if (strncmp(o->env[i], name, len) == 0 && o->env[i][len] == '=') {
            memmove(&o->env[i], &o->env[i + 1], (size_t)(o->nb_env - i) * sizeof(char *));
            o->nb_env--;
            i--;
        }
    }
}

static void env_set(Options *o, char *assignment)
{
    char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        option_error(o, "-E: expected var=value, got '%s'", assignment);
    }
    *eq = '\0';
    env_unset(o, assignment);
    *eq = '=';
    o->env = realloc(o->env, (size_t)(o->nb_env + 2) * sizeof(char *));
    if (!o->env) {
        option_error(o, "%s", "out of memory");
    }
    o->env[o->nb_env++] = assignment;
    o->env[o->nb_env] = NULL;
}

static void env_init(Options *o)
{
    int n = 0;
    while (environ[n]) {
        n++;
    }
    o->env = calloc((size_t)n + 1, sizeof(char *));
    if (!o->env) {
        option_error(o, "%s", "out of memory");
    }
    memcpy(o->env, environ, (size_t)n * sizeof(char *));
    o->nb_env = n;
}

/* Returns the index of the program in argv. */
static int parse_options(Options *o, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i] + (argv[i][1] == '-' ? 2 : 1);
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes_arg = strcmp(opt, "d") == 0 || strcmp(opt, "D") == 0 ||
                         strcmp(opt, "E") == 0 || strcmp(opt, "U") == 0 ||
                         strcmp(opt, "s") == 0 || strcmp(opt, "0") == 0 ||
                         strcmp(opt, "L") == 0 || strcmp(opt, "cpu") == 0 ||
                         strcmp(opt, "execfn") == 0;
        if (*opt == '\0') {            /* "--": end of options */
            i++;
            break;
        }
        if (takes_arg && !arg) {
            option_error(o, "option '%s' needs an argument", argv[i]);
        }
        if (strcmp(opt, "h") == 0 || strcmp(opt, "help") == 0) {
            usage(o->prog);
            exit(0);
        } else if (strcmp(opt, "version") == 0) {
            printf("%s version 0.1 (Quetzal)\n", o->prog);
            exit(0);
        } else if (strcmp(opt, "strace") == 0) {
            o->strace = true;
        } else if (strcmp(opt, "cpu") == 0) {
            o->cpu_model = x86_cpu_model_find(arg);
            if (!o->cpu_model) {
                option_error(o, "-cpu: unknown CPU model '%s' (qemu64, max, quetzal)", arg);
            }
            o->cpu_arg = arg;
            i++;
        } else if (strcmp(opt, "execfn") == 0) {
            o->execfn = arg;
            i++;
        } else if (!takes_arg) {
            option_error(o, "unknown option '%s' (see -h)", argv[i]);
        } else {
            switch (*opt) {
            case 'd': o->log_flags |= parse_log_items(o, arg); break;
            case 'D': o->log_file = arg; break;
            case 'E': env_set(o, (char *)arg); break;
            case 'U': env_unset(o, arg); break;
            case 's':
                o->stack_size = parse_size(o, arg);
                o->stack_arg = arg;
                break;
            case '0': o->argv0 = arg; break;
            case 'L': o->ld_prefix = arg; break;
            }
            i++;
        }
    }
    if (i >= argc) {
        option_error(o, "%s", "no program given (see -h)");
    }
    /* what a program the guest execs runs with too */
    if (o->strace) {
        o->pass[o->nb_pass++] = "-strace";
    }
    if (o->stack_arg) {
        o->pass[o->nb_pass++] = "-s";
        o->pass[o->nb_pass++] = (char *)o->stack_arg;
    }
    if (o->cpu_arg) {
        o->pass[o->nb_pass++] = "-cpu";
        o->pass[o->nb_pass++] = (char *)o->cpu_arg;
    }
    if (o->ld_prefix && !*o->ld_prefix) {
        o->ld_prefix = NULL;
    }
    if (o->ld_prefix) {
        /* absolute, so that the guest's chdir moves neither it nor the
         * prefix of the programs it execs */
        char *abs = realpath(o->ld_prefix, NULL);
        if (!abs) {
            char msg[PATH_MAX + 128];
            snprintf(msg, sizeof(msg), "%s: %s", o->ld_prefix, strerror(errno));
            option_error(o, "-L %s", msg);
        }
        o->ld_prefix = abs;
        o->pass[o->nb_pass++] = "-L";
        o->pass[o->nb_pass++] = (char *)o->ld_prefix;
    }
    return i;
}

/* --- the main loop --- */

static void handle_syscall64(UserProcess *p)
{
    CPUX86State *env = p->env;
    uint64_t args[6] = { env->regs[R_EDI], env->regs[R_ESI], env->regs[R_EDX],
                         env->regs[R_R10], env->regs[R_R8], env->regs[R_R9] };
    env->regs[R_EAX] = (uint64_t)do_syscall(p, env->regs[R_EAX], args);
}

static void handle_int80(UserProcess *p)
{
    CPUX86State *env = p->env;
    if (p->abi->is64) {
        /* Linux would run an i386 system call for a 64-bit process (with the
         * i386 numbers and layouts); only the i386 ABI has that table here */
        env->regs[R_EAX] = (uint64_t)-ENOSYS;
        return;
    }
    uint64_t args[6] = { (uint32_t)env->regs[R_EBX], (uint32_t)env->regs[R_ECX],
                         (uint32_t)env->regs[R_EDX], (uint32_t)env->regs[R_ESI],
                         (uint32_t)env->regs[R_EDI], (uint32_t)env->regs[R_EBP] };
    env->regs[R_EAX] = (uint32_t)do_syscall(p, (uint32_t)env->regs[R_EAX], args);
}

/* The signal Linux sends for an x86 exception in user mode
 * (arch/x86/kernel/traps.c); 0 when the exception is not a fault. */
static int signal_for_exception(UserProcess *p, int exception)
{
    switch (exception) {
    case EXCP00_DIVZ: case EXCP10_COPR: case EXCP13_XMM: return SIGFPE;
    case EXCP01_DB: case EXCP03_INT3: return SIGTRAP;
    case EXCP06_ILLOP: return SIGILL;
    case EXCP11_ALGN: return SIGBUS;
    case EXCP04_INTO: case EXCP05_BOUND: case EXCP0D_GPF: case EXCP_HLT: return SIGSEGV;
    case EXCP0E_PAGE: {
        int sig = p->fault_signal ? p->fault_signal : SIGSEGV;
        p->fault_signal = 0;
        return sig;
    }
    default: return 0;
    }
}

void user_cpu_loop(UserProcess *p)
{
    for (;;) {
        int exception = cpu_exec(p->cpu);
        switch (exception) {
        case EXCP_SYSCALL:
            if (!p->abi->is64) {
                /* SYSCALL outside 64-bit mode is #UD on Intel processors
                 * (Intel SDM vol. 2B, SYSCALL) */
                user_die_with_signal(p, SIGILL);
            }
            handle_syscall64(p);
            break;
        case EXCP_INT80:
            handle_int80(p);
            break;
        case EXCP_INTERRUPT:        /* a signal came (signal.c) */
        case EXCP_DEBUG:
            break;
        default: {
            if (vsyscall_emulate(p, exception)) {
                break;
            }
            int sig = signal_for_exception(p, exception);
            if (!sig) {
                fprintf(stderr, "%s: unexpected exception 0x%x at guest pc 0x%" PRIx64 "\n",
                        p->abi->name, exception, p->env->rip);
                sig = SIGSEGV;
            }
            user_signal_fault(p, sig, exception);
        }
        }
        user_deliver_signals(p);
    }
}

/* --- set-up --- */

static UserProcess *process_new(const UserABI *abi, const Options *o)
{
    UserProcess *p = calloc(1, sizeof(*p));
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", o->prog);
        exit(1);
    }
    p->shared = user_shared_new();
    p->sigactions = p->shared->sigactions;
    CPUX86State *env = user_env_new(p->shared);
    p->abi = abi;
    p->env = env;
    p->strace = o->strace;
    p->tcg = tcg_context_new(CODE_BUFFER_SIZE);
    if (!p->tcg) {
        fprintf(stderr, "%s: cannot allocate the translation buffer\n", o->prog);
        exit(1);
    }
    p->cpu = cpu_exec_new(env, &x86_translate_ops, p->tcg);
    env->exec = p->cpu;
    x86_cpu_reset_user(env, abi->is64);
    env->model = o->cpu_model;
    if (o->log_flags) {
        p->log = stderr;
        if (o->log_file) {
            p->log = fopen(o->log_file, "w");
            if (!p->log) {
                fprintf(stderr, "%s: %s: %s\n", o->prog, o->log_file, strerror(errno));
                exit(1);
            }
        }
        tcg_set_log(p->tcg, o->log_flags, p->log);
    }
    return p;
}

static void set_paths(UserProcess *p, const Options *o, const char *program)
{
    char buf[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (len <= 0) {
        fprintf(stderr, "%s: cannot find the emulator binary: %s\n", o->prog, strerror(errno));
        exit(1);
    }
    buf[len] = '\0';
    p->emulator_path = strdup(buf);
    char *real = realpath(program, NULL);
    p->exe_path = real ? real : strdup(program);
    p->pass_options = (char **)o->pass;
    p->nb_pass_options = o->nb_pass;
    p->ld_prefix = o->ld_prefix;
    /* the host's comm (/proc/self/comm and stat, ps, pidof) names the guest
     * program, as Linux's execve sets it from the file name (15 bytes) */
    const char *name = o->execfn ? o->execfn : program;
    const char *base = strrchr(name, '/');
    prctl(PR_SET_NAME, (unsigned long)(base ? base + 1 : name), 0, 0, 0);
}

static void process_free(UserProcess *p)
{
    user_signals_cleanup(p);
    if (p->log && p->log != stderr) {
        fclose(p->log);
    }
    cpu_exec_free(p->cpu);
    tcg_context_free(p->tcg);
    free(p->env);
    free(p->exe_path);
    free(p->cmdline);
    free(p->auxv);
    free(p->emulator_path);
    pthread_mutex_destroy(&p->shared->mem_lock);
    free(p->shared);
    free(p);
}

/* Everything up to the first guest instruction; false after printing why not. */
static bool process_start(UserProcess *p, const Options *o, int argc, char **argv)
{
    const char *program = argv[0];
    LoadedImage image;
    if (!guest_memory_init(p)) {
        return false;
    }
    cpu_exec_set_guest_base(p->cpu, p->guest_base);
    cpu_exec_set_addr32_fold(p->cpu, p->addr_guard != 0);
    user_signals_init(p);
    if (!elf_load(p, program, &image)) {
        return false;
    }
    if (!p->abi->is64 && !gdt_init(p)) {
        fprintf(stderr, "%s: cannot map the GDT\n", o->prog);
        return false;
    }
    if (o->argv0) {
        argv[0] = (char *)o->argv0;
    }
    StackSetup setup = { .stack_size = o->stack_size, .argc = argc, .argv = argv,
                         .envp = o->env, .execfn = o->execfn ? o->execfn : program };
    uint64_t sp = stack_setup(p, &image, &setup);
    if (sp == 0) {
        fprintf(stderr, "%s: %s: cannot set up a %" PRIu64 "-byte stack\n", o->prog, program,
                o->stack_size);
        return false;
    }
    p->env->regs[R_ESP] = sp;
    p->env->rip = image.start;
    p->start_code = image.image_start;
    p->end_code = image.image_end;
    p->start_stack = sp;
    return true;
}

/* Our own copy of the arguments: the host's strings are overwritten with the
 * guest's argv once it starts (procfs_set_host_cmdline). */
static char **copy_args(const char *prog, int argc, char **argv)
{
    char **copy = calloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; copy && i < argc; i++) {
        copy[i] = strdup(argv[i]);
        if (!copy[i]) {
            copy = NULL;
        }
    }
    if (!copy) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    return copy;
}

/* After a failed start: copy_args' strings and array, and binfmt_arguments'
 * reordered array when it made one. */
static void free_args(char **copy, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        free(copy[i]);
    }
    if (argv != copy) {
        free(argv);
    }
    free(copy);
}

int user_main(const UserABI *abi, int argc, char **argv)
{
    char prog[32];
    snprintf(prog, sizeof(prog), "quetzal-%s", abi->name);
    /* qemu64 by default, as qemu-x86_64: a vendor glibc knows, so that its
     * loader reads the feature bits (it reads none for an unknown vendor, and
     * then refuses every library marked x86-64-baseline) */
    Options o = { .prog = prog, .stack_size = DEFAULT_STACK_SIZE,
                  .cpu_model = x86_cpu_model_find("qemu64") };
    o.ld_prefix = getenv("QUETZAL_LD_PREFIX");
    if (!o.ld_prefix) {
        o.ld_prefix = getenv("QEMU_LD_PREFIX");
    }
    env_init(&o);
    char **host_argv = argv;
    int host_argc = argc, exec_fd;
    char **arg_copy = copy_args(prog, argc, argv);
    int copy_argc = argc;
    argv = binfmt_arguments(&argc, arg_copy, &exec_fd);
    int first = parse_options(&o, argc, argv);

    UserProcess *p = process_new(abi, &o);
    p->exec_fd = exec_fd;
    set_paths(p, &o, argv[first]);
    if (process_start(p, &o, argc - first, &argv[first])) {
        procfs_set_host_cmdline(host_argv, host_argc, argc - first, &argv[first]);
        user_cpu_loop(p);
    }
    /* only a failed start gets here: the guest leaves through exit or a signal */
    process_free(p);
    free_args(arg_copy, copy_argc, argv);
    free(o.env);
    return 1;
}
