/*
 * The NAT's DHCP server (RFC 2131, options RFC 2132): DHCPDISCOVER gets an
 * OFFER and DHCPREQUEST an ACK of the guest address (10.0.2.15), with the
 * subnet mask, the router (10.0.2.2), the DNS server (10.0.2.3), the server
 * identifier and a one-day lease.
 */
#include <string.h>
#include "net/slirp.h"

#define BOOTP_LEN 236                 /* op .. file (RFC 2131 figure 1) */
#define DHCP_MAGIC 0x63825363
enum { DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPDECLINE = 4, DHCPACK = 5,
       DHCPNAK = 6, DHCPRELEASE = 7, DHCPINFORM = 8 };

void slirp_dhcp_reply(Slirp *s, const uint8_t *msg, size_t len);

/* The value of option code (its length in *olen), or NULL. */
static const uint8_t *dhcp_option(const uint8_t *opt, size_t len, uint8_t code, size_t *olen)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = opt[i];
        if (c == 255) {
            break;
        }
        if (c == 0) {                     /* pad */
            i++;
            continue;
        }
        if (i + 2 > len || i + 2 + opt[i + 1] > len) {
            break;                        /* truncated option */
        }
        if (c == code) {
            *olen = opt[i + 1];
            return opt + i + 2;
        }
        i += 2 + opt[i + 1];
    }
    return NULL;
}

static uint8_t *put_opt32(uint8_t *p, uint8_t code, uint32_t v)
{
    p[0] = code;
    p[1] = 4;
    wr32(p + 2, v);
    return p + 6;
}

void slirp_dhcp_input(Slirp *s, const uint8_t *m, size_t len)
{
    size_t olen = 0;
    if (len < BOOTP_LEN + 4 || m[0] != 1 || m[1] != 1 || m[2] != 6 ||
        rd32(m + BOOTP_LEN) != DHCP_MAGIC) {
        return;
    }
    const uint8_t *opts = m + BOOTP_LEN + 4, *t;
    size_t optlen = len - BOOTP_LEN - 4;
    if (!(t = dhcp_option(opts, optlen, 53, &olen)) || olen != 1) {
        return;                           /* plain BOOTP: not served */
    }
    uint8_t type = t[0], reply_type;
    if (type == DHCPDISCOVER) {
        reply_type = DHCPOFFER;
    } else if (type == DHCPREQUEST) {
        const uint8_t *req = dhcp_option(opts, optlen, 50, &olen);
        uint32_t want = req && olen == 4 ? rd32(req) : rd32(m + 12);   /* or ciaddr */
        reply_type = (want == s->guest || want == 0) ? DHCPACK : DHCPNAK;
    } else {
        return;                           /* RELEASE, DECLINE, INFORM: nothing to do */
    }
    uint8_t r[BOOTP_LEN + 4 + 64];
    memset(r, 0, sizeof(r));
    r[0] = 2;                             /* BOOTREPLY */
    r[1] = 1;
    r[2] = 6;
    memcpy(r + 4, m + 4, 4);              /* xid */
    memcpy(r + 10, m + 10, 2);            /* flags */
    if (reply_type != DHCPNAK) {
        wr32(r + 16, s->guest);           /* yiaddr */
        wr32(r + 20, s->host);            /* siaddr */
    }
    memcpy(r + 28, m + 28, 16);           /* chaddr */
    wr32(r + BOOTP_LEN, DHCP_MAGIC);
    uint8_t *p = r + BOOTP_LEN + 4;
    *p++ = 53;
    *p++ = 1;
    *p++ = reply_type;
    p = put_opt32(p, 54, s->host);        /* server identifier */
    if (reply_type != DHCPNAK) {
        p = put_opt32(p, 51, 86400);      /* lease time */
        p = put_opt32(p, 1, s->mask);
        p = put_opt32(p, 3, s->host);     /* router */
        p = put_opt32(p, 6, s->dns);
    }
    *p++ = 255;
    size_t rlen = p - r;
    if (rlen < 300) {
        rlen = 300;                       /* the minimum BOOTP message clients expect */
    }
    uint8_t out[300 + 64];
    memset(out, 0, sizeof(out));
    memcpy(out, r, p - r);
    slirp_dhcp_reply(s, out, rlen);
}
