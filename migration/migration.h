/*
 * The machine's whole state saved and restored: the stream (migration/vmstate.c),
 * migration to and from a URI (migration/migration.c, migration/channel.c) and
 * the snapshots kept inside qcow2 images (migration/snapshot.c).
 *
 * The stream (our own format; all integers little-endian):
 *
 *   header   "QZVMSTRM" (8 bytes), u32 format version (1)
 *   section* u8 kind, u8 name length, name (no NUL), u32 instance,
 *            u32 section version, u64 payload length, payload,
 *            u32 CRC-32 of the payload (ISO-HDLC polynomial, as zlib's crc32)
 *   end      a section of kind 'E' with an empty name and payload
 *
 * Kinds, in the order a stream holds them:
 *   'K' the machine clock: u64 clock_ns() when the machine stopped, so timers
 *       and the TSC (both relative to that clock) go on where they were
 *   'R' RAM pages of the region called name ("pc.ram", "pc.ram-above-4g"):
 *       u64 region size, then records u64 offset|flag (offset page-aligned,
 *       flag 1: 4096 data bytes follow, flag 2: a page of zeros); a live
 *       migration sends the same region several times, the last copy wins
 *   'D' one device of the machine's list (hw/device.h), name = its DeviceOps
 *       name, instance = its position in the list, payload = its save function's
 *       (with kernel_irqchip=on, the 8259s', I/O APIC's, local APIC's and
 *       8254's hold the kernel's state in that layout: accel/kvm/kvm.h)
 *   'C' one per vCPU (target-i386/machine.c), instance = CPU index, section
 *       version 3 with the CPU's start-up (INIT/SIPI) state; versions 1 and 2,
 *       without it (and 1 without the accelerator's fields), still load into
 *       a one-CPU machine; a stream with another CPU count is refused
 * A loader checks the whole stream before it changes anything (every CRC, that
 * the devices are this machine's, by name, position and version, and the RAM
 * sizes), so a damaged or foreign stream is refused with one line naming what
 * is wrong and the running machine is left as it was.
 */
#ifndef MIGRATION_MIGRATION_H
#define MIGRATION_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/pc.h"
#include "system/errmsg.h"

#define VMSTATE_MAGIC "QZVMSTRM"
#define VMSTATE_VERSION 1
#define VMSTATE_PAGE 4096

/* --- vmstate.c: the stream --- */
/* Writes the stopped machine's whole state to f. NULL, or a malloc'd one-line
 * error (a device that cannot be saved, a write error). */
char *vmstate_save(PCMachine *m, FILE *f);
/* Pieces of the stream: the header, every RAM page, the pages [start, end)
 * of one region whose sel flag is set (live migration), and the stopped
 * machine's clock, devices and CPU with the end marker. */
char *vmstate_save_header(FILE *f);
/* First thing once the machine is stopped for its last copy: the timers
 * already due run (a snapshot taken between a deadline and its callback would
 * lose the event, a one-shot APIC timer), before any RAM goes out. */
void vmstate_stopped(PCMachine *m);
char *vmstate_save_ram(PCMachine *m, FILE *f, uint64_t *pages_sent);
char *vmstate_save_ram_range(FILE *f, const char *name, const uint8_t *host, uint64_t size,
                             const uint8_t *sel, uint64_t start, uint64_t end, uint64_t *sent);
char *vmstate_save_devices(PCMachine *m, FILE *f);
/* Checks then loads a whole stream held in memory; NULL or a one-line error,
 * the machine unchanged on error. */
char *vmstate_load(PCMachine *m, const uint8_t *buf, size_t len);
/* The first half of vmstate_load alone: NULL when the stream would load. */
char *vmstate_check(PCMachine *m, const uint8_t *buf, size_t len);
/* Finishes the devices' in-flight disk requests (before touching the disks). */
void vmstate_quiesce(PCMachine *m);
/* Reads f to its end into a malloc'd buffer; NULL with *err on a read error. */
uint8_t *vmstate_read_all(FILE *f, size_t *len, char **err);
uint32_t vmstate_crc32(uint32_t crc, const void *buf, size_t len);

/* --- channel.c: URIs (exec:CMD, tcp:HOST:PORT, unix:PATH, file:PATH) --- */
/* Opens the sending side; NULL with *err. Closing it (channel_close) waits for
 * an exec: command and reports its failure. */
typedef struct Channel Channel;
Channel *channel_open_out(const char *uri, char **err);
/* The receiving side: file: and exec: open at once, tcp: and unix: listen and
 * accept one connection (blocking). */
Channel *channel_open_in(const char *uri, char **err);
FILE *channel_file(Channel *c);
uint64_t channel_bytes(Channel *c);      /* so far, either way */
char *channel_close(Channel *c);         /* NULL or a malloc'd error */

/* --- migration.c: the monitor's migrate commands and -incoming --- */
typedef enum { MIG_NONE, MIG_SETUP, MIG_ACTIVE, MIG_COMPLETED, MIG_FAILED,
               MIG_CANCELLED } MigStatus;
typedef struct MigrationInfo {
    MigStatus status;
    char *error;                    /* the last failure, or NULL */
    int64_t total_ms, downtime_ms, setup_ms;
    uint64_t bytes, pages_sent, dirty_passes;
    uint64_t speed_limit;           /* bytes/s, 0: none (migrate_set_speed) */
    int64_t downtime_limit_ms;      /* migrate_set_parameter downtime-limit */
    bool live;                      /* precopy with dirty tracking was used */
} MigrationInfo;
const char *migration_status_name(MigStatus s);
/* Migrates the machine (stopped by the caller) to uri; the machine stays
 * stopped after a success (QEMU's postmigrate), the caller resumes it after a
 * failure. Fills info; NULL or a malloc'd one-line error. */
char *migration_run(PCMachine *m, const char *uri, MigrationInfo *info);
/* --- live.c: precopy while the guest runs (see there) --- */
typedef struct LiveMigration LiveMigration;
/* done(opaque, ok) is called when it is over (info says how); the machine is
 * then stopped after a success and as it was after a failure */
LiveMigration *live_migration_new(PCMachine *m, MigrationInfo *info,
                                  void (*done)(void *opaque, bool ok), void *opaque);
void live_migration_free(LiveMigration *l);
char *live_migration_start(LiveMigration *l, const char *uri);   /* NULL: under way */
bool live_migration_active(LiveMigration *l);
void live_migration_cancel(LiveMigration *l);

/* -incoming URI / migrate_incoming: reads the stream and loads it. */
char *migration_incoming(PCMachine *m, const char *uri);
void migration_info_print(const MigrationInfo *info, FILE *out);
/* query-migrate's return value (a JSON object), malloc'd */
char *migration_info_json(const MigrationInfo *info);

/* --- snapshot.c: savevm/loadvm/delvm on the qcow2 disks (info snapshots: monitor/hmp-block.c) --- */
char *snapshot_save(PCMachine *m, const char *name);
char *snapshot_load(PCMachine *m, const char *name);
char *snapshot_delete(PCMachine *m, const char *name);

#endif
