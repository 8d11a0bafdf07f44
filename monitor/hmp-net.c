/*
 * HMP info network, as QEMU 7.2 prints it: each NIC ("e1000.N: index=0,
 * type=nic,model=e1000,macaddr=...") with its back end indented under it
 * (" \ ID: index=0,type=user,net=10.0.2.0,restrict=off"); the pc machine's
 * default network (no -nic/-net/-netdev) hangs on hub 0 as QEMU's legacy
 * -net nic -net user does. The NICs' MACs follow net/net-init.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/hmp.h"
#include "net/net.h"

/* The back end's description after "index=0,type=TYPE,". */
static void backend_text(const NetdevSpec *n, FILE *out)
{
    fprintf(out, "index=0,type=%s,", n->type);
    if (!strcmp(n->type, "user")) {
        char *net = net_opt_get(n->opts, "net"), *restrict_ = net_opt_get(n->opts, "restrict");
        char base[64] = "10.0.2.0";
        if (net) {
            /* the network address: the option's address with the host bits cleared */
            char *slash = strchr(net, '/');
            int bits = slash ? atoi(slash + 1) : 24;
            if (slash) {
                *slash = 0;
            }
            struct in_addr a;
            if (inet_aton(net, &a) && bits >= 0 && bits <= 32) {
                uint32_t mask = bits ? 0xffffffffu << (32 - bits) : 0;
                a.s_addr = htonl(ntohl(a.s_addr) & mask);
                snprintf(base, sizeof(base), "%s", inet_ntoa(a));
            }
        }
        bool on = restrict_ && (!strcmp(restrict_, "on") || !strcmp(restrict_, "yes") ||
                                !strcmp(restrict_, "y") || !strcmp(restrict_, "true"));
        fprintf(out, "net=%s,restrict=%s", base, on ? "on" : "off");
        free(net);
        free(restrict_);
    } else if (!strcmp(n->type, "tap")) {
        char *ifname = net_opt_get(n->opts, "ifname"), *script = net_opt_get(n->opts, "script");
        fprintf(out, "ifname=%s,script=%s,downscript=no", ifname ? ifname : "tap0",
                script ? script : "/etc/qemu-ifup");
        free(ifname);
        free(script);
    }
    fputc('\n', out);
}

static void nic_text(const NicSpec *nic, int i, FILE *out)
{
    uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + i) };
    if (nic->has_mac) {
        memcpy(mac, nic->mac, 6);
    }
    fprintf(out, "index=0,type=nic,model=e1000,macaddr=%02x:%02x:%02x:%02x:%02x:%02x\n",
            mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void hmp_info_network(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const NetConfig *cfg = h->v.cfg->net;
    if (!cfg) {
        return;
    }
    if (!cfg->no_default) {
        fprintf(out, "hub 0\n \\ hub0port1: #net000: index=0,type=user,net=10.0.2.0,"
                "restrict=off\n \\ hub0port0: e1000.0: ");
        nic_text(&(NicSpec){ 0 }, 0, out);
        return;
    }
    for (int i = 0; i < cfg->nnics; i++) {
        const NicSpec *nic = &cfg->nics[i];
        fprintf(out, "e1000.%d: ", i);
        nic_text(nic, i, out);
        for (int k = 0; k < cfg->nnetdevs; k++) {
            const NetdevSpec *n = &cfg->netdevs[k];
            if (!strcmp(n->id, nic->netdev)) {
                /* -nic's back end has no id of its own: QEMU names it #netNNN */
                fprintf(out, " \\ %s: ", !strncmp(n->id, "__", 2) ? "#net000" : n->id);
                backend_text(n, out);
            }
        }
    }
}
