/*
 * The user-mode NAT (-netdev user), written from the RFCs: the guest sees a
 * 10.0.2.0/24 network with a gateway 10.0.2.2 (the host: its 127.0.0.1), a
 * DNS server 10.0.2.3 (relayed to the host's resolver) and itself at 10.0.2.15
 * (given by DHCP). Its TCP connections and UDP datagrams become host sockets.
 *
 * Files: slirp-core.c (back end, Ethernet, ARP RFC 826, IPv4 RFC 791, ICMP echo
 * RFC 792, checksums RFC 1071), slirp-udp.c (UDP RFC 768, DNS relay),
 * slirp-dhcp.c (DHCP RFC 2131/2132), slirp-tcp.c (TCP RFC 9293, host sockets,
 * hostfwd), slirp-frag.c (IPv4 reassembly, RFC 791/815). Every frame from the guest is untrusted: each parser checks lengths
 * before it reads.
 */
#ifndef NET_SLIRP_H
#define NET_SLIRP_H

#include <netinet/in.h>
#include "net/net.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IP_HLEN 20
#define SLIRP_MTU 1500
#define SLIRP_TICK_NS 10000000     /* 10 ms: TCP timers, host writes, UDP expiry */
#define SLIRP_MAX_FWD 16
#define SLIRP_DGRAM_MAX 65535      /* an IPv4 datagram with its header (RFC 791) */
/* the largest UDP payload / ICMP message the NAT passes (sent in fragments) */
#define SLIRP_PAYLOAD_MAX (SLIRP_DGRAM_MAX - IP_HLEN)

typedef struct TcpConn TcpConn;
typedef struct UdpConn UdpConn;
typedef struct SlirpFrag SlirpFrag;

typedef struct HostFwd {
    struct Slirp *s;
    int fd;                        /* listening host socket */
    uint32_t gaddr;                /* guest address (host order) */
    uint16_t gport;
    bool udp;                      /* a UDP rule: fd is the bound datagram socket */
} HostFwd;

typedef struct Slirp {
    NetBackend b;
    MainLoop *ml;
    Timer *timer;
    uint32_t net, mask, host, dns, guest;   /* host byte order */
    uint8_t mac[6];                /* the gateway's */
    uint8_t guest_mac[6];
    bool guest_mac_known;
    uint16_t ip_id;
    bool restricted;               /* restrict=on: nothing leaves for the host or beyond */
    uint32_t seed;                 /* TCP initial sequence numbers */
    struct sockaddr_in resolver;   /* where DNS queries to 10.0.2.3 go */
    TcpConn *tcp;
    UdpConn *udp;
    HostFwd fwd[SLIRP_MAX_FWD];
    int nfwd;
    SlirpFrag *frag;               /* datagrams being reassembled (allocated on use) */
    uint8_t scratch[SLIRP_DGRAM_MAX];   /* a UDP/ICMP datagram going to the guest */
    uint8_t scratch_in[SLIRP_DGRAM_MAX];   /* one read from a host UDP socket */
} Slirp;

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* RFC 1071 sums: add bytes to a running 32-bit sum, then fold and invert. */
uint32_t slirp_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t slirp_fold(uint32_t sum);
uint32_t slirp_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len);

/* Sends an IPv4 packet with this payload (l4, len bytes, up to
 * SLIRP_PAYLOAD_MAX) to the guest, in fragments past the MTU. */
void slirp_send_ip(Slirp *s, uint32_t src, uint32_t dst, uint8_t proto,
                   const uint8_t *l4, size_t len, bool broadcast);
/* Keeps the 10 ms tick running while connections exist. */
void slirp_arm_timer(Slirp *s);

/* guest address -> host address for a socket (10.0.2.2 -> 127.0.0.1);
 * false when nothing is there (another address of our network). */
bool slirp_map_out(Slirp *s, uint32_t gdst, uint16_t port, struct sockaddr_in *sa);
/* host address -> the address the guest sees it as */
uint32_t slirp_map_in(Slirp *s, const struct sockaddr_in *sa);

void slirp_udp_input(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *udp, size_t len);
bool slirp_udp_tick(Slirp *s);        /* true while sockets remain */
void slirp_udp_free_all(Slirp *s);
void slirp_dhcp_input(Slirp *s, const uint8_t *msg, size_t len);
void slirp_udp_fwd_readable(void *opaque);   /* a udp hostfwd socket (HostFwd *) */

/* A fragment of a guest datagram (slirp-frag.c): the whole datagram (header
 * with its total length, no fragment fields) once every piece came, else
 * NULL; valid until the next call. */
const uint8_t *slirp_frag_input(Slirp *s, const uint8_t *ip, size_t hlen, size_t tot,
                                size_t *out_len);
void slirp_frag_free(Slirp *s);

void slirp_tcp_input(Slirp *s, uint32_t src, uint32_t dst, const uint8_t *tcp, size_t len);
bool slirp_tcp_tick(Slirp *s);
void slirp_tcp_free_all(Slirp *s);
char *slirp_hostfwd_add(Slirp *s, const char *spec);
void slirp_hostfwd_free_all(Slirp *s);

#endif
