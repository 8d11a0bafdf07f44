/*
 * Intel 82540EM Gigabit Ethernet controller (PCI 8086:100E), as Linux's e1000
 * driver uses it. References: Intel PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual (8254x SDM, 317453), ch. 3
 * (receive and transmit descriptors, 3.2 and 3.3; context and data
 * descriptors and TCP segmentation, 3.3.6-3.3.7, 3.5), ch. 5 (EEPROM: Microwire
 * interface, 5.3; checksum word 3Fh makes words 00h-3Fh add up to BABAh, 5.6.22),
 * ch. 13 (registers: CTRL 0h, STATUS 8h, EECD 10h, EERD 14h, MDIC 20h, ICR C0h,
 * ICS C8h, IMS D0h, IMC D8h, RCTL 100h, TCTL 400h, RDBAL 2800h..RDTR 2820h,
 * TDBAL 3800h..TIDV 3820h, statistics 4000h-40FFh clear on read, MTA 5200h,
 * RAL/RAH 5400h, IOADDR/IODATA through the I/O BAR, 13.2); the PHY is a Marvell
 * 88E1011 (PHY ID 0141:0C20) on MDIO address 1 with its link up at 1000 Mb/s
 * full duplex.
 *
 * Interrupts are raised without moderation (RDTR/RADV/TIDV/TADV/ITR are stored
 * but not timed). Received frames carry a CRC unless RCTL.SECRC strips it.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/pci.h"
#include "net/net.h"

enum {
    CTRL = 0x0, STATUS = 0x8, EECD = 0x10, EERD = 0x14, CTRL_EXT = 0x18, MDIC = 0x20,
    ICR = 0xc0, ITR = 0xc4, ICS = 0xc8, IMS = 0xd0, IMC = 0xd8, RCTL = 0x100, TCTL = 0x400,
    PBA = 0x1000, RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818,
    TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818,
    STATS_START = 0x4000, STATS_END = 0x4100, MTA = 0x5200, RA = 0x5400,
    MMIO_SIZE = 0x20000, IO_SIZE = 0x40,
};
/* statistics (13.7) */
enum { GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407c, GPTC = 0x4080, GORCL = 0x4088,
       GOTCL = 0x4090, TORL = 0x40c0, TOTL = 0x40c8, TPR = 0x40d0, TPT = 0x40d4,
       MPTC = 0x40f0, BPTC = 0x40f4 };
enum { CTRL_RST = 1u << 26, CTRL_PHY_RST = 1u << 31 };
enum { STATUS_FD = 1, STATUS_LU = 2, STATUS_SPEED_1000 = 0x80, STATUS_ASDV_1000 = 0x200 };
enum { EECD_SK = 1, EECD_CS = 2, EECD_DI = 4, EECD_DO = 8, EECD_REQ = 0x40, EECD_GNT = 0x80,
       EECD_PRES = 0x100 };
enum { ICR_TXDW = 1, ICR_TXQE = 2, ICR_LSC = 4, ICR_RXDMT0 = 0x10, ICR_RXO = 0x40,
       ICR_RXT0 = 0x80, ICR_MDAC = 0x200 };
enum { RCTL_EN = 2, RCTL_UPE = 8, RCTL_MPE = 0x10, RCTL_BAM = 0x8000, RCTL_BSEX = 1u << 25,
       RCTL_SECRC = 1u << 26 };
enum { TCTL_EN = 2 };
enum { MDIC_OP_WRITE = 1u << 26, MDIC_OP_READ = 2u << 26, MDIC_READY = 1u << 28,
       MDIC_ERROR = 1u << 30 };
/* descriptor bits (3.2.3, 3.3.3, 3.3.7) */
enum { RXS_DD = 1, RXS_EOP = 2, RXS_IXSM = 4 };
enum { TXD_EOP = 0x01, TXD_IC = 0x04, TXD_RS = 0x08, TXD_DEXT = 0x20, TXD_TSE = 0x04 };
enum { POPTS_IXSM = 1, POPTS_TXSM = 2 };
enum { TUCMD_TCP = 1, TUCMD_IP = 2 };
#define EEPROM_WORDS 64
#define PHY_REGS 32
#define TX_BUF (65536 + 256)

typedef struct TxContext {
    uint8_t ipcss, ipcso, tucss, tucso, tucmd, hdr_len;
    uint16_t ipcse, tucse, mss;
    uint32_t paylen;
} TxContext;

typedef struct E1000State {
    PCIDevice pci;
    AddressSpace *as;
    MainLoop *ml;
    NetClient nc;
    uint8_t mac[6];
    uint32_t regs[MMIO_SIZE / 4];
    uint16_t eeprom[EEPROM_WORDS];
    uint16_t phy[PHY_REGS];
    uint32_t ioaddr;
    /* Microwire state (5.3.1): bits shifted in since CS rose, the word out */
    unsigned ee_bits_in, ee_in, ee_bits_out;
    uint16_t ee_word;
    bool ee_reading;
    /* transmit: the packet being gathered */
    TxContext ctx;
    uint8_t tx[TX_BUF];
    size_t tx_len;
    bool tx_tse, tx_ixsm, tx_txsm, tx_legacy_ic;
    uint8_t tx_cso, tx_css;
} E1000State;

#define R(s, r) ((s)->regs[(r) >> 2])

static void update_irq(E1000State *s)
{
    pci_set_irq(&s->pci, (R(s, ICR) & R(s, IMS)) != 0);
}

static void raise_icr(E1000State *s, uint32_t bits)
{
    R(s, ICR) |= bits;
    update_irq(s);
}

static void stat_add(E1000State *s, uint32_t reg, uint32_t v)
{
    if (R(s, reg) + v >= R(s, reg)) {
        R(s, reg) += v;                   /* the counters stick at their maximum */
    } else {
        R(s, reg) = 0xffffffff;
    }
}

static void stat_add64(E1000State *s, uint32_t reg, uint64_t v)
{
    uint64_t cur = (uint64_t)R(s, reg + 4) << 32 | R(s, reg);
    cur += v;
    R(s, reg) = (uint32_t)cur;
    R(s, reg + 4) = (uint32_t)(cur >> 32);
}

/* --- EEPROM and PHY --- */

static void eeprom_init(E1000State *s)
{
    memset(s->eeprom, 0, sizeof(s->eeprom));
    for (int i = 0; i < 3; i++) {
        s->eeprom[i] = s->mac[2 * i] | s->mac[2 * i + 1] << 8;
    }
    s->eeprom[0x0a] = 0x4000 | 0x0400;    /* init control 1: signature 01b, 5.6.10 */
    s->eeprom[0x0b] = 0x001e;             /* subsystem ID */
    s->eeprom[0x0c] = 0x8086;             /* subsystem vendor */
    s->eeprom[0x0d] = 0x100e;             /* device ID */
    s->eeprom[0x0e] = 0x8086;             /* vendor ID */
    s->eeprom[0x0f] = 0x3000;             /* init control 2 */
    uint16_t sum = 0;
    for (int i = 0; i < 0x3f; i++) {
        sum += s->eeprom[i];
    }
    s->eeprom[0x3f] = 0xbaba - sum;
}

static void phy_reset(E1000State *s)
{
    static const uint16_t init[PHY_REGS] = {
        [0] = 0x1140,   /* control: autoneg enabled, full duplex, 1000 Mb/s */
        [1] = 0x796d,   /* status: autoneg complete, link up, capabilities */
        [2] = 0x0141, [3] = 0x0c20,      /* 88E1011 */
        [4] = 0x0de1, [5] = 0x41e1, [6] = 0x0001, [9] = 0x0e00, [10] = 0x3c00,
        [15] = 0x3000, [16] = 0x0360,
        [17] = 0xac00,  /* PHY specific status: 1000 Mb/s, full duplex, resolved, link */
        [20] = 0x0c60,
    };
    memcpy(s->phy, init, sizeof(s->phy));
}

static void mdic_write(E1000State *s, uint32_t v)
{
    unsigned reg = (v >> 16) & 31, phy = (v >> 21) & 31;
    uint32_t op = v & (3u << 26);
    v &= ~(MDIC_READY | MDIC_ERROR);
    if (phy != 1 || (op != MDIC_OP_READ && op != MDIC_OP_WRITE)) {
        v |= MDIC_ERROR;
    } else if (op == MDIC_OP_READ) {
        v = (v & ~0xffffu) | s->phy[reg];
    } else {
        uint16_t d = (uint16_t)v;
        if (reg == 0) {
            d &= ~0x8200;                 /* reset and restart autoneg complete at once */
            s->phy[1] |= 0x24;
        }
        if (reg != 1 && reg != 2 && reg != 3 && reg != 5 && reg != 17) {
            s->phy[reg] = d;
        }
    }
    R(s, MDIC) = v | MDIC_READY;
    if (v & (1u << 29)) {
        raise_icr(s, ICR_MDAC);
    }
}

/* Microwire (5.3.1): on each rising SK the EEPROM samples DI; after the READ
 * opcode (110b) and 6 address bits it shifts the word out on DO, MSB first. */
static void eecd_write(E1000State *s, uint32_t v)
{
    uint32_t old = R(s, EECD);
    R(s, EECD) = (v & (EECD_SK | EECD_CS | EECD_DI | EECD_REQ | 0x30)) | EECD_PRES |
                 ((v & EECD_REQ) ? EECD_GNT : 0) | (old & EECD_DO);
    if (!(v & EECD_CS)) {
        s->ee_bits_in = s->ee_in = s->ee_bits_out = 0;
        s->ee_reading = false;
        return;
    }
    if (!(v & EECD_SK) || (old & EECD_SK)) {
        return;                           /* act on rising edges only */
    }
    if (s->ee_reading) {
        unsigned bit = s->ee_bits_out < 16 ? (s->ee_word >> (15 - s->ee_bits_out)) & 1 : 0;
        s->ee_bits_out++;
        R(s, EECD) = (R(s, EECD) & ~EECD_DO) | (bit ? EECD_DO : 0);
        return;
    }
    s->ee_in = (s->ee_in << 1) | !!(v & EECD_DI);
    if (++s->ee_bits_in == 9) {
        if ((s->ee_in >> 6) == 6) {
            s->ee_word = s->eeprom[s->ee_in & 63];
            s->ee_reading = true;
            s->ee_bits_out = 0;
        }
    }
}

/* EERD (13.4.4): start bit 0, address 15:8, done bit 4, data 31:16. */
static void eerd_write(E1000State *s, uint32_t v)
{
    unsigned addr = (v >> 8) & 0xff;
    R(s, EERD) = v & 0xff00;
    if (v & 1) {
        uint16_t w = addr < EEPROM_WORDS ? s->eeprom[addr] : 0;
        R(s, EERD) |= (uint32_t)w << 16 | 0x10;
    }
}

/* --- reset --- */

static void e1000_reset_regs(E1000State *s)
{
    memset(s->regs, 0, sizeof(s->regs));
    R(s, CTRL) = 0x00140240;              /* speed 1000, full duplex, SLU, FD */
    R(s, STATUS) = STATUS_FD | STATUS_LU | STATUS_SPEED_1000 | STATUS_ASDV_1000;
    R(s, EECD) = EECD_PRES | 0x10;        /* flash writes disabled */
    R(s, MDIC) = MDIC_READY;
    R(s, PBA) = 0x00100030;
    R(s, 0xe00) = 0x07068302;             /* LEDCTL */
    R(s, RA) = s->mac[0] | s->mac[1] << 8 | s->mac[2] << 16 | (uint32_t)s->mac[3] << 24;
    R(s, RA + 4) = s->mac[4] | s->mac[5] << 8 | 0x80000000u;   /* AV */
    s->ee_bits_in = s->ee_in = s->ee_bits_out = 0;
    s->ee_reading = false;
    s->tx_len = 0;
    memset(&s->ctx, 0, sizeof(s->ctx));
    phy_reset(s);
    update_irq(s);
}

static void e1000_reset(void *opaque)
{
    E1000State *s = opaque;
    pci_device_reset(&s->pci);
    e1000_reset_regs(s);
}

/* --- receive (3.2) --- */

static uint32_t rx_buf_size(uint32_t rctl)
{
    static const uint32_t sizes[4] = { 2048, 1024, 512, 256 };
    unsigned bsize = (rctl >> 16) & 3;
    if ((rctl & RCTL_BSEX) && bsize) {
        return sizes[bsize] * 16;
    }
    return sizes[bsize];
}

static uint32_t ring_count(E1000State *s, uint32_t len_reg)
{
    return (R(s, len_reg) & 0xfff80) / 16;
}

static uint32_t rx_free(E1000State *s)
{
    uint32_t n = ring_count(s, RDLEN), h = R(s, RDH), t = R(s, RDT);
    if (!n || h >= n || t >= n) {
        return 0;
    }
    return t >= h ? t - h : n - h + t;
}

static bool e1000_can_receive(NetClient *nc)
{
    E1000State *s = nc->opaque;
    return (R(s, RCTL) & RCTL_EN) && (s->pci.config[PCI_COMMAND] & PCI_COMMAND_MASTER) &&
           rx_free(s) > 0;
}

/* Destination filter (13.4.22, 13.5.1-13.5.3): station addresses, broadcast,
 * the multicast table (hash of bits chosen by RCTL.MO) or promiscuous modes. */
static bool rx_accept(E1000State *s, const uint8_t *buf)
{
    uint32_t rctl = R(s, RCTL);
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (!memcmp(buf, bcast, 6)) {
        stat_add(s, BPRC, 1);
        return (rctl & RCTL_BAM) || (rctl & RCTL_MPE);
    }
    if (buf[0] & 1) {
        static const unsigned shift[4] = { 4, 3, 2, 0 };
        unsigned hash = ((buf[4] | buf[5] << 8) >> shift[(rctl >> 12) & 3]) & 0xfff;
        stat_add(s, MPRC, 1);
        return (rctl & RCTL_MPE) || (R(s, MTA + (hash >> 5) * 4) >> (hash & 31)) & 1;
    }
    if (rctl & RCTL_UPE) {
        return true;
    }
    for (int i = 0; i < 16; i++) {
        uint32_t lo = R(s, RA + 8 * i), hi = R(s, RA + 8 * i + 4);
        uint8_t a[6] = { (uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16), (uint8_t)(lo >> 24),
                         (uint8_t)hi, (uint8_t)(hi >> 8) };
        if ((hi & 0x80000000u) && !memcmp(a, buf, 6)) {
            return true;
        }
    }
    return false;
}

static uint32_t crc32_le(const uint8_t *p, size_t len)
{
    uint32_t c = 0xffffffff;
    while (len--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
        }
    }
    return ~c;
}

static bool e1000_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    E1000State *s = nc->opaque;
    if (!e1000_can_receive(nc)) {
        return false;
    }
    if (len < 14 || !rx_accept(s, buf)) {
        return true;                      /* filtered: gone */
    }
    uint8_t frame[NET_FRAME_MAX + 64];
    if (len > NET_FRAME_MAX) {
        return true;
    }
    memcpy(frame, buf, len);
    if (len < 60) {
        memset(frame + len, 0, 60 - len); /* padded to the minimum frame */
        len = 60;
    }
    if (!(R(s, RCTL) & RCTL_SECRC)) {
        uint32_t crc = crc32_le(frame, len);
        for (int i = 0; i < 4; i++) {
            frame[len++] = (uint8_t)(crc >> (8 * i));
        }
    }
    uint32_t bsize = rx_buf_size(R(s, RCTL)), n = ring_count(s, RDLEN);
    uint64_t base = (uint64_t)R(s, RDBAH) << 32 | (R(s, RDBAL) & ~15u);
    if (rx_free(s) < (len + bsize - 1) / bsize) {
        raise_icr(s, ICR_RXO);            /* no room for the whole frame: overrun */
        return true;
    }
    for (size_t off = 0; off < len;) {
        uint32_t h = R(s, RDH);
        uint8_t d[16];
        address_space_read(s->as, base + h * 16, d, 16);
        uint64_t addr = 0;
        for (int i = 7; i >= 0; i--) {
            addr = addr << 8 | d[i];
        }
        size_t chunk = len - off > bsize ? bsize : len - off;
        if (addr) {
            address_space_write(s->as, addr, frame + off, chunk);
        }
        off += chunk;
        d[8] = (uint8_t)chunk;
        d[9] = (uint8_t)(chunk >> 8);
        d[10] = d[11] = 0;
        d[12] = RXS_DD | RXS_IXSM | (off == len ? RXS_EOP : 0);
        d[13] = 0;
        address_space_write(s->as, base + h * 16 + 8, d + 8, 8);
        R(s, RDH) = (h + 1) % n;
    }
    stat_add(s, GPRC, 1);
    stat_add(s, TPR, 1);
    stat_add64(s, GORCL, len);
    stat_add64(s, TORL, len);
    uint32_t icr = ICR_RXT0;
    unsigned rdmts = (R(s, RCTL) >> 8) & 3;   /* free below 1/2, 1/4, 1/8 of the ring */
    if (rdmts < 3 && rx_free(s) <= (n >> (rdmts + 1))) {
        icr |= ICR_RXDMT0;
    }
    raise_icr(s, icr);
    return true;
}

/* --- transmit (3.3, 3.5) --- */

static uint16_t csum16(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (; len >= 2; p += 2, len -= 2) {
        sum += (uint32_t)(p[0] << 8 | p[1]);
    }
    if (len) {
        sum += (uint32_t)p[0] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* Inserts the checksum of [css, cse] (cse 0: to the end) at cso. */
static void insert_csum(uint8_t *p, size_t len, unsigned css, unsigned cso, unsigned cse)
{
    size_t end = cse ? (size_t)cse + 1 : len;
    end = end > len ? len : end;
    if (css >= end || cso + 2 > len) {
        return;
    }
    uint16_t c = csum16(p + css, end - css);
    p[cso] = c >> 8;
    p[cso + 1] = (uint8_t)c;
}

static void tx_send(E1000State *s, uint8_t *p, size_t len)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    stat_add(s, GPTC, 1);
    stat_add(s, TPT, 1);
    stat_add64(s, GOTCL, len);
    stat_add64(s, TOTL, len);
    if (!memcmp(p, bcast, 6)) {
        stat_add(s, BPTC, 1);
    } else if (p[0] & 1) {
        stat_add(s, MPTC, 1);
    }
    net_send(&s->nc, p, len);
}

/* TCP segmentation (3.5): the header (hdr_len bytes) before each MSS of
 * payload, with the IP length and identification, the TCP sequence number and
 * flags, and both checksums fixed for every segment. */
static void tx_tso(E1000State *s)
{
    TxContext *c = &s->ctx;
    size_t hl = c->hdr_len, total = s->tx_len;
    if (hl > total || hl > 240 || !c->mss || c->tucso + 2u > hl || c->tucss >= hl ||
        c->ipcso + 2u > hl || (c->tucmd & TUCMD_IP && c->ipcss + 20u > hl) ||
        (c->tucmd & TUCMD_TCP && c->tucss + 20u > hl) || c->ipcss + 6u > hl) {
        return;                           /* a context that does not fit: dropped */
    }
    uint8_t hdr[256], seg[256 + 65536];
    memcpy(hdr, s->tx, hl);
    uint32_t seq = c->tucmd & TUCMD_TCP ? (uint32_t)hdr[c->tucss + 4] << 24 |
                   hdr[c->tucss + 5] << 16 | hdr[c->tucss + 6] << 8 | hdr[c->tucss + 7] : 0;
    uint16_t ipid = c->tucmd & TUCMD_IP ? (uint16_t)(hdr[c->ipcss + 4] << 8 | hdr[c->ipcss + 5]) : 0;
    uint8_t flags = c->tucmd & TUCMD_TCP ? hdr[c->tucss + 13] : 0;
    for (size_t off = hl; off < total || off == hl;) {
        size_t n = total - off > c->mss ? c->mss : total - off;
        bool last = off + n >= total;
        memcpy(seg, hdr, hl);
        memcpy(seg + hl, s->tx + off, n);
        size_t slen = hl + n;
        if (c->tucmd & TUCMD_IP) {
            uint16_t tl = (uint16_t)(slen - c->ipcss);
            seg[c->ipcss + 2] = tl >> 8;
            seg[c->ipcss + 3] = (uint8_t)tl;
            seg[c->ipcss + 4] = ipid >> 8;
            seg[c->ipcss + 5] = (uint8_t)ipid;
            ipid++;
        } else {
            uint16_t pl = (uint16_t)(slen - c->ipcss - 40);   /* IPv6 payload length */
            seg[c->ipcss + 4] = pl >> 8;
            seg[c->ipcss + 5] = (uint8_t)pl;
        }
        uint16_t l4len = (uint16_t)(slen - c->tucss);
        if (c->tucmd & TUCMD_TCP) {
            seg[c->tucss + 4] = seq >> 24;
            seg[c->tucss + 5] = (uint8_t)(seq >> 16);
            seg[c->tucss + 6] = (uint8_t)(seq >> 8);
            seg[c->tucss + 7] = (uint8_t)seq;
            seg[c->tucss + 13] = last ? flags : flags & ~0x09;   /* FIN, PSH on the last only */
            seq += n;
        } else if (c->tucss + 6u <= hl) {
            seg[c->tucss + 4] = l4len >> 8;                      /* UDP length */
            seg[c->tucss + 5] = (uint8_t)l4len;
        }
        if (s->tx_ixsm && (c->tucmd & TUCMD_IP)) {
            seg[c->ipcso] = seg[c->ipcso + 1] = 0;
            insert_csum(seg, slen, c->ipcss, c->ipcso, c->ipcse);
        }
        if (s->tx_txsm) {
            /* the driver seeded the field with the pseudo header without the
             * length (3.5.4): add this segment's */
            uint16_t seed = (uint16_t)(seg[c->tucso] << 8 | seg[c->tucso + 1]);
            uint32_t sum = (uint32_t)seed + l4len;
            sum = (sum & 0xffff) + (sum >> 16);
            seg[c->tucso] = (uint8_t)(sum >> 8);
            seg[c->tucso + 1] = (uint8_t)sum;
            insert_csum(seg, slen, c->tucss, c->tucso, 0);
        }
        tx_send(s, seg, slen);
        off += n;
        if (last) {
            break;
        }
    }
}

static void tx_packet_done(E1000State *s)
{
    if (s->tx_tse) {
        tx_tso(s);
    } else if (s->tx_len) {
        if (s->tx_legacy_ic) {
            insert_csum(s->tx, s->tx_len, s->tx_css, s->tx_cso, 0);
        } else {
            if (s->tx_ixsm) {
                insert_csum(s->tx, s->tx_len, s->ctx.ipcss, s->ctx.ipcso, s->ctx.ipcse);
            }
            if (s->tx_txsm) {
                insert_csum(s->tx, s->tx_len, s->ctx.tucss, s->ctx.tucso, s->ctx.tucse);
            }
        }
        tx_send(s, s->tx, s->tx_len);
    }
    s->tx_len = 0;
    s->tx_tse = s->tx_ixsm = s->tx_txsm = s->tx_legacy_ic = false;
}

static void tx_gather(E1000State *s, uint64_t addr, size_t len)
{
    if (s->tx_len + len > TX_BUF) {
        len = TX_BUF - s->tx_len;         /* too long: truncated (the guest's fault) */
    }
    address_space_read(s->as, addr, s->tx + s->tx_len, len);
    s->tx_len += len;
}

static void tx_descriptor(E1000State *s, uint8_t *d)
{
    uint64_t addr = 0;
    for (int i = 7; i >= 0; i--) {
        addr = addr << 8 | d[i];
    }
    uint32_t dw2 = d[8] | d[9] << 8 | d[10] << 16 | (uint32_t)d[11] << 24;
    uint8_t cmd = d[11];
    if (!(cmd & TXD_DEXT)) {              /* legacy (3.3.3) */
        tx_gather(s, addr, dw2 & 0xffff);
        if (cmd & TXD_IC) {
            s->tx_legacy_ic = true;
            s->tx_cso = d[10];
            s->tx_css = d[13];
        }
    } else if (((dw2 >> 20) & 15) == 0) { /* context (3.3.6) */
        TxContext *c = &s->ctx;
        c->ipcss = d[0];
        c->ipcso = d[1];
        c->ipcse = (uint16_t)(d[2] | d[3] << 8);
        c->tucss = d[4];
        c->tucso = d[5];
        c->tucse = (uint16_t)(d[6] | d[7] << 8);
        c->paylen = dw2 & 0xfffff;
        c->tucmd = cmd;
        c->hdr_len = d[13];
        c->mss = (uint16_t)(d[14] | d[15] << 8);
        return;
    } else {                              /* data (3.3.7) */
        if (!s->tx_len) {
            s->tx_tse = cmd & TXD_TSE;
            s->tx_ixsm = d[13] & POPTS_IXSM;
            s->tx_txsm = d[13] & POPTS_TXSM;
        }
        tx_gather(s, addr, dw2 & 0xfffff);
    }
    if (cmd & TXD_EOP) {
        tx_packet_done(s);
    }
}

static void tx_run(E1000State *s)
{
    uint32_t n = ring_count(s, TDLEN);
    uint64_t base = (uint64_t)R(s, TDBAH) << 32 | (R(s, TDBAL) & ~15u);
    if (!(R(s, TCTL) & TCTL_EN) || !(s->pci.config[PCI_COMMAND] & PCI_COMMAND_MASTER) || !n) {
        return;
    }
    bool any = false;
    while (R(s, TDH) != R(s, TDT) && R(s, TDH) < n && R(s, TDT) < n) {
        uint32_t h = R(s, TDH);
        uint8_t d[16];
        address_space_read(s->as, base + h * 16, d, 16);
        tx_descriptor(s, d);
        if (d[11] & TXD_RS) {
            uint8_t sta = d[12] | 1;      /* DD */
            address_space_write(s->as, base + h * 16 + 12, &sta, 1);
        }
        R(s, TDH) = (h + 1) % n;
        any = true;
    }
    if (any) {
        raise_icr(s, ICR_TXDW | ICR_TXQE);
    }
}

/* --- registers --- */

static uint32_t reg_read(E1000State *s, uint32_t off)
{
    off &= MMIO_SIZE - 4;
    uint32_t v = R(s, off);
    if (off == ICR) {
        R(s, ICR) = 0;                    /* read to clear (13.4.17) */
        update_irq(s);
    } else if (off >= STATS_START && off < STATS_END) {
        R(s, off) = 0;
    } else if (off == IMC || off == ICS) {
        v = 0;                            /* write-only */
    }
    return v;
}

static void reg_write(E1000State *s, uint32_t off, uint32_t v)
{
    off &= MMIO_SIZE - 4;
    switch (off) {
    case CTRL:
        if (v & CTRL_RST) {
            e1000_reset_regs(s);
            return;
        }
        if (v & CTRL_PHY_RST) {
            phy_reset(s);
        }
        R(s, CTRL) = v & ~(CTRL_RST | CTRL_PHY_RST);
        break;
    case STATUS: break;
    case EECD: eecd_write(s, v); break;
    case EERD: eerd_write(s, v); break;
    case MDIC: mdic_write(s, v); break;
    case ICR: R(s, ICR) &= ~v; update_irq(s); break;
    case ICS: raise_icr(s, v); break;
    case IMS: R(s, IMS) |= v; update_irq(s); break;
    case IMC: R(s, IMS) &= ~v; update_irq(s); break;
    case RCTL:
        R(s, RCTL) = v;
        net_flush(&s->nc);
        break;
    case RDT:
        R(s, RDT) = v & 0xffff;
        net_flush(&s->nc);
        break;
    case RDH: case TDH: case RDLEN: case TDLEN:
        R(s, off) = off == RDLEN || off == TDLEN ? v & 0xfff80 : v & 0xffff;
        break;
    case TDT:
        R(s, TDT) = v & 0xffff;
        tx_run(s);
        break;
    case TCTL:
        R(s, TCTL) = v;
        tx_run(s);
        break;
    default:
        if (off >= STATS_START && off < STATS_END) {
            break;                        /* read-only counters */
        }
        R(s, off) = v;
        break;
    }
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    uint32_t v = reg_read(opaque, (uint32_t)off & ~3u);
    return (v >> ((off & 3) * 8)) & (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    E1000State *s = opaque;
    uint32_t a = (uint32_t)off & ~3u;
    uint32_t v = (uint32_t)val;
    if (size != 4) {                      /* narrow writes merge into the register */
        unsigned sh = (off & 3) * 8;
        uint32_t mask = ((size == 2 ? 0xffffu : 0xffu)) << sh;
        v = (R(s, a & (MMIO_SIZE - 4)) & ~mask) | ((v << sh) & mask);
    }
    reg_write(s, a, v);
}

/* The I/O BAR (13.2.2): IOADDR at 0 selects a register, IODATA at 4 reaches it. */
static uint64_t io_read(void *opaque, uint64_t off, unsigned size)
{
    E1000State *s = opaque;
    (void)size;
    if (off == 0) {
        return s->ioaddr;
    }
    if (off == 4) {
        return reg_read(s, s->ioaddr & (MMIO_SIZE - 4));
    }
    return 0;
}

static void io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    E1000State *s = opaque;
    (void)size;
    if (off == 0) {
        s->ioaddr = (uint32_t)val & (MMIO_SIZE - 4);
    } else if (off == 4) {
        reg_write(s, s->ioaddr, (uint32_t)val);
    }
}

static const MemOps mmio_ops = { mmio_read, mmio_write };
static const MemOps io_ops = { io_read, io_write };

static void e1000_save(void *opaque, SaveStream *ss)
{
    E1000State *s = opaque;
    pci_device_save(&s->pci, ss);
    save_bytes(ss, s->regs, sizeof(s->regs));
    save_bytes(ss, s->phy, sizeof(s->phy));
    save_u32(ss, s->ioaddr);
}

static void e1000_load(void *opaque, SaveStream *ss)
{
    E1000State *s = opaque;
    pci_device_load(&s->pci, ss);
    load_bytes(ss, s->regs, sizeof(s->regs));
    load_bytes(ss, s->phy, sizeof(s->phy));
    s->ioaddr = load_u32(ss) & (MMIO_SIZE - 4);
}

static void e1000_free(void *opaque)
{
    E1000State *s = opaque;
    net_client_cleanup(&s->nc);
    free(s);
}

static const DeviceOps e1000_dev_ops = {
    .name = "e1000", .reset = e1000_reset, .save = e1000_save, .load = e1000_load,
    .free = e1000_free,
};
static const NetClientOps e1000_net_ops = { e1000_receive, e1000_can_receive };

PCIDevice *e1000_new(PCIBus *bus, int devfn, AddressSpace *as, MainLoop *ml, const uint8_t mac[6],
                     NetClient *backend)
{
    E1000State *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->pci.dev.ops = &e1000_dev_ops;
    s->as = as;
    s->ml = ml;
    memcpy(s->mac, mac, 6);
    net_client_init(&s->nc, &e1000_net_ops, s);
    if (backend) {
        net_client_connect(&s->nc, backend);
    }
    pci_device_init(&s->pci, bus, devfn, "e1000", 0x8086, 0x100e, 0x03, 0x020000, 0x00);
    s->pci.config[PCI_SUBSYSTEM_VENDOR_ID] = 0x86;
    s->pci.config[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x80;
    s->pci.config[PCI_SUBSYSTEM_ID] = 0x1e;
    s->pci.config[PCI_INTERRUPT_PIN] = 1;
    pci_register_bar(&s->pci, 0, MMIO_SIZE, false, &mmio_ops, s);
    pci_register_bar(&s->pci, 1, IO_SIZE, true, &io_ops, s);
    eeprom_init(s);
    e1000_reset_regs(s);
    return &s->pci;
}
