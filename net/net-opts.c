/*
 * The network options of qemu-system-x86_64 (QEMU's docs/system/invocation:
 * -netdev, -nic, -net, -device e1000/virtio-net-pci): checked here and recorded in a
 * NetConfig; the back ends parse their own keys again when created
 * (net/net-init.c), so an error names the option the user wrote.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/net.h"

char *net_opt_get(const char *opts, const char *key)
{
    size_t klen = strlen(key);
    for (const char *s = opts; *s;) {
        size_t len = strcspn(s, ",");
        if (len > klen && s[klen] == '=' && !strncmp(s, key, klen)) {
            return strndup(s + klen + 1, len - klen - 1);
        }
        s += len + (s[len] == ',');
    }
    return NULL;
}

char *net_opt_check(const char *opts, const char *const *allowed, const char *what)
{
    for (const char *s = opts; *s;) {
        size_t len = strcspn(s, ","), klen = strcspn(s, "=,");
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++) {
            ok = strlen(allowed[i]) == klen && !strncmp(allowed[i], s, klen);
        }
        if (!ok) {
            return errmsg("%s: unknown or malformed parameter '%.*s'", what, (int)len, s);
        }
        s += len + (s[len] == ',');
    }
    return NULL;
}

bool net_parse_hostport(const char *s, struct sockaddr_in *sa, bool need_host)
{
    const char *colon = strrchr(s, ':');
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (!colon) {
        return false;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        return false;
    }
    sa->sin_port = htons(port);
    if (colon == s) {
        sa->sin_addr.s_addr = htonl(need_host ? INADDR_LOOPBACK : INADDR_ANY);
        return !need_host;
    }
    char host[256];
    if ((size_t)(colon - s) >= sizeof(host)) {
        return false;
    }
    memcpy(host, s, colon - s);
    host[colon - s] = 0;
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1) {
        return true;
    }
    struct addrinfo hints = { .ai_family = AF_INET }, *res;
    if (getaddrinfo(host, NULL, &hints, &res)) {
        return false;
    }
    sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char c;
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &c) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255) {
            return false;
        }
        mac[i] = v[i];
    }
    return !(mac[0] & 1);         /* a NIC's address is unicast */
}

static bool known_type(const char *t)
{
    return !strcmp(t, "user") || !strcmp(t, "socket") || !strcmp(t, "tap");
}

/* -netdev TYPE,id=ID,... */
static char *add_netdev(NetConfig *cfg, const char *arg, const char *forced_id)
{
    const char *t0 = !strncmp(arg, "type=", 5) ? arg + 5 : arg;
    size_t tlen = strcspn(t0, ",");
    char *type = strndup(t0, tlen);
    const char *rest = t0 + tlen + (t0[tlen] == ',');
    if (!known_type(type)) {
        char *e = errmsg("-netdev: unsupported type '%s' (user, socket, tap)", type);
        free(type);
        return e;
    }
    char *id = forced_id ? strdup(forced_id) : net_opt_get(rest, "id");
    if (!id || !*id) {
        free(type);
        free(id);
        return errmsg("-netdev %s: parameter 'id' is missing", arg);
    }
    for (int i = 0; i < cfg->nnetdevs; i++) {
        if (!strcmp(cfg->netdevs[i].id, id)) {
            char *e = errmsg("-netdev: duplicate id '%s'", id);
            free(type);
            free(id);
            return e;
        }
    }
    if (cfg->nnetdevs == NET_MAX_NETDEVS) {
        free(type);
        free(id);
        return errmsg("-netdev: too many back ends (%d at most)", NET_MAX_NETDEVS);
    }
    NetdevSpec *n = &cfg->netdevs[cfg->nnetdevs++];
    n->type = type;
    n->id = id;
    n->opts = strdup(rest);
    return NULL;
}

static char *add_nic(NetConfig *cfg, const char *netdev, const char *mac, const char *what,
                     bool virtio)
{
    if (cfg->nnics == NET_MAX_NICS) {
        return errmsg("%s: too many network cards (%d at most)", what, NET_MAX_NICS);
    }
    NicSpec *n = &cfg->nics[cfg->nnics];
    memset(n, 0, sizeof(*n));
    if (mac && !parse_mac(mac, n->mac)) {
        return errmsg("%s: invalid MAC address '%s'", what, mac);
    }
    n->has_mac = mac != NULL;
    n->virtio = virtio;
    n->netdev = strdup(netdev);
    cfg->nnics++;
    cfg->no_default = true;
    return NULL;
}

/* Removes key=... items from a copy of opts (the NIC's, before the back end's). */
static char *strip_keys(const char *opts, const char *const *keys)
{
    char *out = calloc(1, strlen(opts) + 1);
    for (const char *s = opts; *s;) {
        size_t len = strcspn(s, ","), klen = strcspn(s, "=,");
        bool drop = false;
        for (int i = 0; keys[i]; i++) {
            drop |= strlen(keys[i]) == klen && !strncmp(keys[i], s, klen);
        }
        if (!drop) {
            if (*out) {
                strcat(out, ",");
            }
            strncat(out, s, len);
        }
        s += len + (s[len] == ',');
    }
    return out;
}

/* -nic TYPE[,model=e1000][,mac=MAC][,back end options] */
static char *parse_nic(NetConfig *cfg, const char *arg)
{
    if (!strcmp(arg, "none")) {
        cfg->no_default = true;
        return NULL;
    }
    char *model = net_opt_get(arg, "model"), *mac = net_opt_get(arg, "mac"), *e = NULL;
    bool virtio = model && (!strcmp(model, "virtio-net-pci") || !strcmp(model, "virtio"));
    if (model && !virtio && strcmp(model, "e1000") && strcmp(model, "e1000-82540em")) {
        e = errmsg("-nic: unsupported model '%s' (e1000, virtio-net-pci)", model);
    }
    if (!e) {
        static const char *const nic_keys[] = { "model", "mac", "id", NULL };
        char *bopts = strip_keys(arg, nic_keys), id[32];
        snprintf(id, sizeof(id), "__nic%d", cfg->implicit++);
        e = add_netdev(cfg, bopts, id);
        free(bopts);
        if (!e) {
            e = add_nic(cfg, id, mac, "-nic", virtio);
        }
    }
    free(model);
    free(mac);
    return e;
}

static bool is_driver(const char *drv, size_t len, const char *name)
{
    return len == strlen(name) && !strncmp(drv, name, len);
}

/* -device e1000|virtio-net-pci,netdev=ID[,mac=MAC]; false for another device */
static bool parse_device(NetConfig *cfg, const char *arg, char **err)
{
    size_t len = strcspn(arg, ",");
    const char *drv = !strncmp(arg, "driver=", 7) ? arg + 7 : arg;
    len -= drv - arg;
    bool virtio = is_driver(drv, len, "virtio-net-pci");
    if (!virtio && !is_driver(drv, len, "e1000") && !is_driver(drv, len, "e1000-82540em")) {
        return false;
    }
    const char *what = virtio ? "-device virtio-net-pci" : "-device e1000";
    static const char *const keys[] = { "e1000", "driver", "e1000-82540em", "virtio-net-pci",
                                        "netdev", "mac", "id", "addr", "bus", NULL };
    if ((*err = net_opt_check(arg, keys, what))) {
        return true;
    }
    char *netdev = net_opt_get(arg, "netdev"), *mac = net_opt_get(arg, "mac");
    if (!netdev) {
        *err = errmsg("%s: needs netdev=ID (a -netdev back end)", what);
    } else {
        *err = add_nic(cfg, netdev, mac, what, virtio);
    }
    free(netdev);
    free(mac);
    return true;
}

bool net_option(NetConfig *cfg, const char *name, const char *arg, char **err)
{
    *err = NULL;
    if (!strcmp(name, "netdev")) {
        *err = add_netdev(cfg, arg, NULL);
        cfg->no_default = true;           /* as QEMU: any -netdev means no default NIC */
    } else if (!strcmp(name, "nic")) {
        *err = parse_nic(cfg, arg);
    } else if (!strcmp(name, "net")) {
        if (!strcmp(arg, "none")) {
            cfg->no_default = true;
        } else {
            *err = errmsg("-net: only 'none' is supported ('%s'); use -nic or -netdev", arg);
        }
    } else if (!strcmp(name, "device")) {
        return parse_device(cfg, arg, err);
    } else {
        return false;
    }
    return true;
}

void net_config_free(NetConfig *cfg)
{
    for (int i = 0; i < cfg->nnetdevs; i++) {
        free(cfg->netdevs[i].type);
        free(cfg->netdevs[i].id);
        free(cfg->netdevs[i].opts);
    }
    for (int i = 0; i < cfg->nnics; i++) {
        free(cfg->nics[i].netdev);
    }
    cfg->nnetdevs = cfg->nnics = 0;
}
