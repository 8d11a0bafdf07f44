/*
 * Portable x87 arithmetic on the 80-bit extended format (SDM vol. 1, 4.2.2
 * and 8.2): operations that must not depend on the host's floating-point
 * unit. Values travel as their raw encoding; the flags word returned has the
 * status-word layout (IE DE ZE OE UE PE in bits 0-5, C1 in bit 9 = "rounded
 * up" for inexact results, SDM vol. 1, 8.1.3.3).
 */
#ifndef X87_SOFT_H
#define X87_SOFT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t mant;     /* explicit integer bit in bit 63 */
    uint16_t se;       /* sign in bit 15, biased exponent in bits 0-14 */
} X87Float;

#define X87_IE 0x0001
#define X87_DE 0x0002
#define X87_ZE 0x0004
#define X87_OE 0x0008
#define X87_UE 0x0010
#define X87_PE 0x0020
#define X87_C1 0x0200

/* the bias adjustment of a result delivered with an unmasked overflow
 * (exponent divided by 2^24576) or underflow (multiplied): SDM vol. 1,
 * 8.5.4, 8.5.5 */
#define X87_BIAS_ADJUST 24576

/* encoding classes (SDM vol. 1, 8.2.2 and table 8-3): finite includes
 * denormals and pseudo-denormals; invalid is an unnormal, pseudo-infinity
 * or pseudo-NaN, which the 387 and later reject */
enum { X87_K_ZERO, X87_K_FINITE, X87_K_INF, X87_K_QNAN, X87_K_SNAN, X87_K_INVALID };
int x87_classify(X87Float v);

/* the QNaN floating-point indefinite (SDM vol. 1, table 4-3) */
extern const X87Float x87_indefinite;

/* NaN and unsupported operands of a two-operand instruction: true with the
 * result in *r and IE in *flags when they decide it (SDM vol. 1, table 4-7) */
bool x87_nan_pair(X87Float a, X87Float b, X87Float *r, uint16_t *flags);

/* FPREM (ieee = 0) and FPREM1 of ST(0) by ST(1), exactly: *r is the new
 * ST(0); returns the exception flags and C0-C3; *cc_mask the condition
 * codes the operation wrote (x87-rem.c). With X87_UE in `unmasked` (its
 * mask bit clear) a tiny remainder is delivered bias-adjusted with UE */
uint16_t x87_fprem(X87Float a, X87Float b, bool ieee, unsigned unmasked, X87Float *r,
                   uint16_t *cc_mask);

/* rc: rounding control (FPUCW bits 10-11: 0 nearest, 1 down, 2 up, 3 zero) */
X87Float x87_f2xm1(X87Float x, unsigned rc, uint16_t *flags);
X87Float x87_fyl2x(X87Float x, X87Float y, unsigned rc, uint16_t *flags);
X87Float x87_fyl2xp1(X87Float x, X87Float y, unsigned rc, uint16_t *flags);

/* FSIN (op 0), FCOS (1), FSINCOS (2: r[0] sin, r[1] cos), FPTAN (3: r[0]
 * tan, r[1] 1.0) for |x| < 2^63, reduced by the CPUs' 66-bit pi */
void x87_trig(X87Float x, unsigned op, unsigned rc, X87Float r[2], uint16_t *flags);

/* FPATAN: arctan(ST(1) / ST(0)) with x = ST(0), y = ST(1) */
X87Float x87_fpatan(X87Float x, X87Float y, unsigned rc, uint16_t *flags);

/* FSCALE: ST(0) * 2^trunc(ST(1)), with the bias-adjusted result of an
 * overflow or underflow named in `unmasked` (X87_OE, X87_UE: their mask
 * bits are clear); FXTRACT: exponent and significand */
X87Float x87_fscale(X87Float x, X87Float y, unsigned rc, unsigned unmasked, uint16_t *flags);
void x87_fxtract(X87Float x, X87Float *exponent, X87Float *significand, uint16_t *flags);

#endif
