/*
 * The machine's network: creates the back end of every -netdev/-nic and an
 * e1000 or virtio-net-pci for every NIC, linked to its back end. QEMU's "pc" machine has a
 * default NIC when none is given: -nic user,model=e1000 (MAC 52:54:00:12:34:56,
 * the next NICs counting up from there), and PCI slots from 3.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/pci.h"
#include "net/net.h"

struct NetState {
    NetBackend *backends[NET_MAX_NETDEVS + 1];
    int n;
};

static NetBackend *backend_new(const NetdevSpec *spec, MainLoop *ml, char **err)
{
    static const char prefix[] = "-netdev %s,id=%s: %s";
    NetBackend *b = NULL;
    char *e = NULL;
    if (!strcmp(spec->type, "user")) {
        b = net_user_new(spec->opts, ml, &e);
    } else if (!strcmp(spec->type, "socket")) {
        b = net_socket_new(spec->opts, ml, &e);
    } else {
        b = net_tap_new(spec->opts, ml, &e);
    }
    if (!b) {
        *err = errmsg(prefix, spec->type, spec->id[0] == '_' ? "(-nic)" : spec->id,
                          e ? e : "cannot create");
        free(e);
    }
    return b;
}

NetState *net_init(const NetConfig *cfg, MainLoop *ml, struct PCIBus *bus, struct AddressSpace *as,
                   void (*add_device)(void *opaque, void *dev), void *opaque, char **err)
{
    NetState *ns = calloc(1, sizeof(*ns));
    NetConfig def;
    if (!cfg->no_default) {
        memset(&def, 0, sizeof(def));
        def.netdevs[0] = (NetdevSpec){ "user", "__default", "" };
        def.nnetdevs = 1;
        def.nics[0] = (NicSpec){ .netdev = "__default" };
        def.nnics = 1;
        cfg = &def;
    }
    for (int i = 0; i < cfg->nnetdevs; i++) {
        if (!(ns->backends[ns->n] = backend_new(&cfg->netdevs[i], ml, err))) {
            net_free(ns);
            return NULL;
        }
        ns->n++;
    }
    for (int i = 0; i < cfg->nnics; i++) {
        const NicSpec *nic = &cfg->nics[i];
        int k = 0;
        while (k < cfg->nnetdevs && strcmp(cfg->netdevs[k].id, nic->netdev)) {
            k++;
        }
        if (k == cfg->nnetdevs) {
            *err = errmsg("-device %s: netdev '%s' not found",
                              nic->virtio ? "virtio-net-pci" : "e1000", nic->netdev);
            net_free(ns);
            return NULL;
        }
        if (ns->backends[k]->nc.peer) {
            *err = errmsg("netdev '%s' is already used by another NIC", nic->netdev);
            net_free(ns);
            return NULL;
        }
        uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + i) };
        if (nic->has_mac) {
            memcpy(mac, nic->mac, 6);
        }
        PCIDevice *d = (nic->virtio ? virtio_net_new : e1000_new)(bus, PCI_DEVFN(3 + i, 0), as, ml,
                                                                 mac, &ns->backends[k]->nc);
        add_device(opaque, &d->dev);
    }
    return ns;
}

void net_free(NetState *ns)
{
    if (!ns) {
        return;
    }
    for (int i = 0; i < ns->n; i++) {
        net_client_cleanup(&ns->backends[i]->nc);
        ns->backends[i]->free(ns->backends[i]);
    }
    free(ns);
}
