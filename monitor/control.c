/*
 * The machine's run state as the monitor changes it (stop, cont, system_reset,
 * system_powerdown, quit) and the QMP events that go with it (QEMU's
 * qapi/run-state.json: STOP, RESUME, RESET, POWERDOWN, SHUTDOWN and the
 * ShutdownCause reasons). Guest-made resets and power-offs reach us through the
 * main loop's request hook.
 */
#include <stdio.h>
#include "hw/acpi.h"
#include "monitor/internal.h"
#include "system/main-loop.h"

static const char *const state_names[] = {
    [RUN_RUNNING] = "running", [RUN_PAUSED] = "paused",
    [RUN_PRELAUNCH] = "prelaunch", [RUN_SHUTDOWN] = "shutdown",
    [RUN_INMIGRATE] = "inmigrate", [RUN_POSTMIGRATE] = "postmigrate",
    [RUN_RESTORE_VM] = "restore-vm",
};

const char *mc_state_name(RunState s)
{
    return state_names[s];
}

bool mc_running(const MonitorHost *h)
{
    return h->state == RUN_RUNNING;
}

void mc_stop(MonitorHost *h)
{
    if (h->state == RUN_RUNNING) {
        main_loop_pause(h->v.ml);
        h->state = RUN_PAUSED;
        qmp_event(h, "STOP", NULL);
    }
}

void mc_cont(MonitorHost *h)
{
    if (h->state == RUN_PAUSED || h->state == RUN_PRELAUNCH || h->state == RUN_POSTMIGRATE
        || h->state == RUN_RESTORE_VM) {
        h->state = RUN_RUNNING;
        main_loop_resume(h->v.ml);
        qmp_event(h, "RESUME", NULL);
    }
}

void mc_reset(MonitorHost *h, const char *reason)
{
    h->reason = reason;
    main_loop_request(h->v.ml, REQ_RESET, 0);
}

void mc_powerdown(MonitorHost *h)
{
    acpi_pm_power_button(h->v.acpi_pm);
    qmp_event(h, "POWERDOWN", NULL);
}

void mc_quit(MonitorHost *h, const char *reason)
{
    h->reason = reason;
    main_loop_request(h->v.ml, REQ_EXIT_CODE, 0);
}

static void shutdown_event(MonitorHost *h, bool guest, const char *reason)
{
    char data[96];
    snprintf(data, sizeof(data), "{\"guest\": %s, \"reason\": \"%s\"}",
             guest ? "true" : "false", reason);
    qmp_event(h, "SHUTDOWN", data);
}

/* Every machine request, with the reason the monitor gave (NULL: the guest's). */
static void request_hook(void *opaque, MachineRequest req, int exit_code)
{
    MonitorHost *h = opaque;
    const char *reason = h->reason;
    h->reason = NULL;
    switch (req) {
    case REQ_RESET:
        if (h->v.cfg->no_reboot) {
            /* -no-reboot turns every reset into a shutdown, the monitor's too */
            shutdown_event(h, !reason, reason ? reason : "guest-reset");
        } else {
            char data[96];
            snprintf(data, sizeof(data), "{\"guest\": %s, \"reason\": \"%s\"}",
                     reason ? "false" : "true", reason ? reason : "guest-reset");
            qmp_event(h, "RESET", data);
        }
        break;
    case REQ_SHUTDOWN:
        shutdown_event(h, true, "guest-shutdown");
        if (h->v.cfg->no_shutdown) {
            /* -no-shutdown: the machine stays, stopped (QEMU's "shutdown" state) */
            h->state = RUN_SHUTDOWN;
            qmp_event(h, "STOP", NULL);
        }
        break;
    case REQ_EXIT_CODE:
        if (reason) {
            shutdown_event(h, false, reason);
        }
        break;
    default:
        break;
    }
}

void mc_install_request_hook(MonitorHost *h)
{
    main_loop_set_request_hook(h->v.ml, request_hook, h);
}
