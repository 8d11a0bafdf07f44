/*
 * The main loop: the machine's clock, its timers and the host file descriptors
 * devices wait on. One MainLoop per machine, passed explicitly to every device
 * that needs time or host input.
 *
 * Time is the host's monotonic clock in nanoseconds since the loop was created
 * (QEMU's QEMU_CLOCK_VIRTUAL without icount). Timer callbacks and fd handlers run
 * on the CPU thread, between blocks of guest code: the CPU loop calls
 * main_loop_poll() whenever the CPU stops (cpu_exit, HLT), and a kick thread stops
 * the CPU when the earliest timer is due or an fd is readable.
 */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct MainLoop MainLoop;
typedef struct Timer Timer;
typedef void TimerCallback(void *opaque);
typedef void FdHandler(void *opaque);

MainLoop *main_loop_new(void);
/* stops the kick thread; timers stay valid until main_loop_free, which frees
 * the loop (free the timers' owners first) */
void main_loop_stop(MainLoop *ml);
void main_loop_free(MainLoop *ml);

/* Nanoseconds since the machine started (monotonic, steady while it runs). */
int64_t clock_ns(MainLoop *ml);

Timer *timer_new(MainLoop *ml, TimerCallback *cb, void *opaque);
void timer_free(Timer *t);
/* Arms (or re-arms) t to fire once at clock_ns() >= expire_ns. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
int64_t timer_expire_time(const Timer *t);   /* -1 when not pending */

/* Calls handler when fd is readable (level-triggered); NULL removes it. */
void main_loop_set_fd_handler(MainLoop *ml, int fd, FdHandler *readable, void *opaque);

/* The function the loop calls to stop the running CPU when something is due
 * (set by the machine: cpu_exit on its CPU). Async-signal and thread safe. */
void main_loop_set_kick(MainLoop *ml, void (*kick)(void *opaque), void *opaque);

/* Runs expired timers and ready fd handlers. With block, waits first until
 * something is due (a halted CPU), at most timeout_ns (-1: no limit). */
void main_loop_poll(MainLoop *ml, bool block, int64_t timeout_ns);

/* Stop (the monitor's stop, -S): from the CPU thread (an fd handler); the CPU
 * leaves cpu_exec at once, main_loop_poll then runs only fd handlers until
 * main_loop_resume or a machine request, and clock_ns stands still meanwhile. */
void main_loop_pause(MainLoop *ml);
void main_loop_resume(MainLoop *ml);
bool main_loop_paused(MainLoop *ml);
/* Sets the clock to now_ns (a snapshot or incoming migration restores the
 * saved machine's time; timers keep their deadlines, re-armed by their owners). */
void main_loop_set_clock(MainLoop *ml, int64_t now_ns);
/* Runs the timers already due, also while stopped: a snapshot taken between
 * a deadline and its callback would lose the event (a one-shot APIC timer). */
void main_loop_run_due_timers(MainLoop *ml);

/* Shutdown/reset requests from devices and the CPU (ACPI S5, 0xCF9/8042 reset,
 * triple fault, isa-debug-exit): the machine's run loop reads them. */
typedef enum { REQ_NONE, REQ_RESET, REQ_SHUTDOWN, REQ_EXIT_CODE } MachineRequest;
void main_loop_request(MainLoop *ml, MachineRequest req, int exit_code);
MachineRequest main_loop_take_request(MainLoop *ml, int *exit_code);
/* Called on every request that is taken (the monitor's QMP events); on the
 * requesting thread, the CPU thread for devices and the monitor. */
void main_loop_set_request_hook(MainLoop *ml,
                                void (*hook)(void *opaque, MachineRequest req, int exit_code),
                                void *opaque);

#endif
