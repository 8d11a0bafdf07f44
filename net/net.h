/*
 * The guest network: a NetClient is one end of a point-to-point link between a
 * network card model (hw/e1000.c) and a back end (net/slirp-*.c, socket.c,
 * tap.c); neither side knows the other's type. A frame sent on one client is
 * delivered to its peer's receive(), or queued on the sender when the peer
 * cannot take it now (a full receive ring); the peer calls net_flush() on
 * itself when it can receive again.
 *
 * Options as qemu-system-x86_64 spells them (net/net-opts.c):
 *   -netdev user,id=ID[,net=10.0.2.0/24][,restrict=on|off][,hostfwd=tcp|udp:[ADDR]:HPORT-[GADDR]:GPORT]...
 *   -netdev socket,id=ID,listen=[HOST]:PORT|connect=HOST:PORT|udp=HOST:PORT[,localaddr=HOST:PORT]
 *   -netdev tap,id=ID[,ifname=NAME][,script=no][,downscript=no]
 *   -nic none|user|socket|tap[,model=e1000|virtio-net-pci][,mac=MAC][,BACKEND OPTIONS]
 *   -net none, -device e1000|virtio-net-pci,netdev=ID[,mac=MAC]
 * With no -nic/-net/-device e1000, the machine gets QEMU's default for "pc":
 * -nic user,model=e1000.
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "system/errmsg.h"
#include "system/main-loop.h"

typedef struct NetClient NetClient;
typedef struct NetPacket NetPacket;

typedef struct NetClientOps {
    /* Takes one Ethernet frame (no FCS); returns false when it cannot take it
     * now (the sender queues it). */
    bool (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    /* Whether receive() would take a frame now (NULL: always). */
    bool (*can_receive)(NetClient *nc);
} NetClientOps;

struct NetClient {
    const NetClientOps *ops;
    void *opaque;
    NetClient *peer;
    NetPacket *queue, **queue_tail;     /* frames sent by this client, waiting */
    unsigned queue_len;
};

#define NET_QUEUE_MAX 512              /* frames; more are dropped like a full wire */
#define NET_FRAME_MAX 65536

void net_client_init(NetClient *nc, const NetClientOps *ops, void *opaque);
void net_client_connect(NetClient *a, NetClient *b);
/* Sends a frame to the peer (dropped when there is none or the queue is full;
 * returns whether it was delivered or queued). */
bool net_send(NetClient *nc, const void *buf, size_t len);
/* nc can receive again: delivers the frames its peer queued. */
void net_flush(NetClient *nc);
/* Disconnects and drops the queued frames. */
void net_client_cleanup(NetClient *nc);

/* --- options (net/net-opts.c) --- */

#define NET_MAX_NETDEVS 8
#define NET_MAX_NICS 4

typedef struct NetdevSpec {
    char *type;                  /* user, socket, tap */
    char *id;
    char *opts;                  /* the whole option string (back end parses it) */
} NetdevSpec;

typedef struct NicSpec {
    char *netdev;                /* id of its back end */
    uint8_t mac[6];
    bool has_mac;
    bool virtio;                 /* virtio-net-pci, else e1000 */
} NicSpec;

typedef struct NetConfig {
    NetdevSpec netdevs[NET_MAX_NETDEVS];
    int nnetdevs;
    NicSpec nics[NET_MAX_NICS];
    int nnics;
    bool no_default;             /* -nic none, -net none, or a NIC given */
    int implicit;                /* counter for -nic back end ids */
} NetConfig;

/* Handles -netdev, -nic, -net and -device e1000/virtio-net-pci (name without the dash).
 * Returns false when the option is not a network one (e.g. another -device);
 * true when handled, with *err set (malloc'd one-line message) when invalid. */
bool net_option(NetConfig *cfg, const char *name, const char *arg, char **err);
void net_config_free(NetConfig *cfg);  /* the strings net_option kept */

/* --- the machine's network (net/net-init.c) --- */

typedef struct NetState NetState;
struct PCIBus;
struct AddressSpace;
/* Creates every back end and NIC (e1000 at PCI slots 3, 4, ...); NULL with
 * *err on failure. add_device registers each NIC's Device with the machine. */
NetState *net_init(const NetConfig *cfg, MainLoop *ml, struct PCIBus *bus,
                   struct AddressSpace *as, void (*add_device)(void *opaque, void *dev),
                   void *opaque, char **err);
void net_free(NetState *ns);       /* the back ends (NICs are machine devices) */

/* --- back ends --- */

typedef struct NetBackend NetBackend;
struct NetBackend {
    NetClient nc;
    void (*free)(NetBackend *b);
};
/* Each parses the option string of its -netdev (after the type). */
NetBackend *net_user_new(const char *opts, MainLoop *ml, char **err);
NetBackend *net_socket_new(const char *opts, MainLoop *ml, char **err);
NetBackend *net_tap_new(const char *opts, MainLoop *ml, char **err);

/* --- NIC models --- */

struct PCIDevice;
/* Intel 82540EM (hw/e1000.c) at devfn, attached to the back end's client. */
struct PCIDevice *e1000_new(struct PCIBus *bus, int devfn, struct AddressSpace *as,
                            MainLoop *ml, const uint8_t mac[6], NetClient *backend);
/* virtio-net-pci (hw/virtio-net.c), the same way. */
struct PCIDevice *virtio_net_new(struct PCIBus *bus, int devfn, struct AddressSpace *as,
                                 MainLoop *ml, const uint8_t mac[6], NetClient *backend);

/* --- helpers shared by the parsers --- */

/* The value of key in "a=1,key=v,..." (malloc'd), or NULL. */
char *net_opt_get(const char *opts, const char *key);
/* Rejects keys not in allowed (NULL-terminated); a malloc'd message or NULL. */
char *net_opt_check(const char *opts, const char *const *allowed, const char *what);
/* "HOST:PORT" / ":PORT" into a sockaddr_in (host by name or number). */
struct sockaddr_in;
bool net_parse_hostport(const char *s, struct sockaddr_in *sa, bool need_host);

#endif
