/*
 * Placeholder for the SSE/SSE2 translator (owned by the SSE front end): it
 * implements no instruction yet, so every 0F-map SSE opcode raises #UD. The
 * real file replaces this one; see translate.h for the contract.
 */
#include "target-i386/translate.h"

bool gen_sse(DisasContext *s, unsigned opcode)
{
    (void)s;
    (void)opcode;
    return false;
}
