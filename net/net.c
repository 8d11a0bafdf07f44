/*
 * The NetClient link: frames go from one client to its peer's receive(); when
 * the peer cannot take them they wait on the sender's queue (bounded: a full
 * queue drops, as a wire would) until the peer calls net_flush().
 */
#include <stdlib.h>
#include <string.h>
#include "net/net.h"

struct NetPacket {
    NetPacket *next;
    size_t len;
    uint8_t data[];
};

void net_client_init(NetClient *nc, const NetClientOps *ops, void *opaque)
{
    memset(nc, 0, sizeof(*nc));
    nc->ops = ops;
    nc->opaque = opaque;
    nc->queue_tail = &nc->queue;
}

void net_client_connect(NetClient *a, NetClient *b)
{
    a->peer = b;
    b->peer = a;
}

static bool peer_takes(NetClient *peer)
{
    return !peer->ops->can_receive || peer->ops->can_receive(peer);
}

bool net_send(NetClient *nc, const void *buf, size_t len)
{
    NetClient *peer = nc->peer;
    if (!peer || len == 0 || len > NET_FRAME_MAX) {
        return false;
    }
    if (!nc->queue && peer_takes(peer) && peer->ops->receive(peer, buf, len)) {
        return true;
    }
    if (nc->queue_len >= NET_QUEUE_MAX) {
        return false;
    }
    NetPacket *p = malloc(sizeof(*p) + len);
    if (!p) {
        return false;
    }
    p->next = NULL;
    p->len = len;
    memcpy(p->data, buf, len);
    *nc->queue_tail = p;
    nc->queue_tail = &p->next;
    nc->queue_len++;
    return true;
}

void net_flush(NetClient *nc)
{
    NetClient *sender = nc->peer;
    if (!sender) {
        return;
    }
    while (sender->queue && peer_takes(nc)) {
        NetPacket *p = sender->queue;
        if (!nc->ops->receive(nc, p->data, p->len)) {
            break;
        }
        sender->queue = p->next;
        if (!sender->queue) {
            sender->queue_tail = &sender->queue;
        }
        sender->queue_len--;
        free(p);
    }
}

void net_client_cleanup(NetClient *nc)
{
    while (nc->queue) {
        NetPacket *p = nc->queue;
        nc->queue = p->next;
        free(p);
    }
    nc->queue_tail = &nc->queue;
    nc->queue_len = 0;
    if (nc->peer) {
        nc->peer->peer = NULL;
        nc->peer = NULL;
    }
}
