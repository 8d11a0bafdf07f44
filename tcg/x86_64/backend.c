/*
 * The x86-64 host back end: register description, operand constraints and code
 * emission for every IR op. System V AMD64 ABI for helper calls (arguments in
 * rdi, rsi, rdx, rcx, r8, r9; result in rax; rbx, rbp, r12-r15 callee-saved).
 *
 * Fixed registers inside generated code: r14 = env, rsp = frame (spill slots),
 * r13 = guest_base when it does not fit a 32-bit displacement.
 */
#include <cpuid.h>
#include <stdlib.h>
#include "tcg/tcg-backend.h"
#include "tcg/x86_64/encode.h"

#define R(r) (1u << (r))

/* Callee-saved first: values there survive helper calls. */
const int tcg_target_reg_alloc_order[] = {
    REG_RBX, REG_RBP, REG_R12, REG_R15, REG_R13,
    REG_R10, REG_R11, REG_R9, REG_R8, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RAX,
};
const int tcg_target_reg_alloc_order_count =
    (int)(sizeof(tcg_target_reg_alloc_order) / sizeof(tcg_target_reg_alloc_order[0]));
const uint32_t tcg_target_call_clobbered_regs =
    R(REG_RAX) | R(REG_RCX) | R(REG_RDX) | R(REG_RSI) | R(REG_RDI) |
    R(REG_R8) | R(REG_R9) | R(REG_R10) | R(REG_R11);
const int tcg_target_call_arg_regs[TCG_MAX_CALL_ARGS] = {
    REG_RDI, REG_RSI, REG_RDX, REG_RCX, REG_R8, REG_R9,
};
const int tcg_target_call_ret_reg = REG_RAX;
const int tcg_target_env_reg = REG_R14;
const int tcg_target_guest_base_reg = REG_R13;
const int tcg_target_frame_reg = REG_RSP;
/* 128 bytes of outgoing-call area, then the spill slots */
const intptr_t tcg_target_frame_start = 128;
/* the inline TLB probe's index and comparison (also the slow helpers' first
 * two arguments) */
const uint32_t tcg_target_softmmu_reserved_regs = R(REG_RDI) | R(REG_RSI);
const char *const tcg_target_reg_names[TCG_TARGET_NB_REGS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* Six pushes plus the return address leave rsp 8 off 16-byte alignment. */
#define FRAME_SIZE (128 + 8 * TCG_MAX_SPILL_SLOTS + 8)

static const int callee_saved[] = { REG_RBP, REG_RBX, REG_R12, REG_R13, REG_R14, REG_R15 };

static unsigned detect_host_features(void)
{
    unsigned a, b, c, d, features = 0;
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 5))) {
        features |= HOST_HAS_LZCNT;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 3))) {
        features |= HOST_HAS_BMI1;
    }
    return features;
}

void tcg_target_emit_prologue(TCGContext *s)
{
    s->host_features = detect_host_features();
    s->prologue = s->code_ptr;
    for (int i = 0; i < 6; i++) {
        out_push(s, callee_saved[i]);
    }
    out_arithi(s, ALU_SUB, P_REXW, REG_RSP, FRAME_SIZE);
    tcg_target_out_mov(s, TCG_TYPE_I64, REG_R14, REG_RDI);
    tcg_target_out_mov(s, TCG_TYPE_I64, REG_R13, REG_RDX);
    emit_modrm(s, OPC_GRP5, EXT5_JMPN, REG_RSI);
    /* return 0, then the common return path (exit_tb jumps just after the xor) */
    s->epilogue_return0 = s->code_ptr;
    out_arithr(s, ALU_XOR, 0, REG_RAX, REG_RAX);
    out_arithi(s, ALU_ADD, P_REXW, REG_RSP, FRAME_SIZE);
    for (int i = 5; i >= 0; i--) {
        out_pop(s, callee_saved[i]);
    }
    out8(s, 0xc3);
}

bool tcg_target_guest_base_needs_reg(uintptr_t guest_base)
{
    return guest_base > INT32_MAX;
}

bool tcg_target_deposit_valid(TCGType type, unsigned pos, unsigned len)
{
    return pos == 0 && (len == 8 || len == 16);
}

bool tcg_target_const_match(TCGType type, int64_t value, int imm_kind)
{
    switch (imm_kind) {
    case TCG_IMM_ANY:
        return true;
    case TCG_IMM_S32:
        return type == TCG_TYPE_I32 || value == (int32_t)value;
    default:
        return false;
    }
}

/* --- moves --- */

/* A MOV changes no flags: the flags of a value stay known over the moves and
 * loads that leave its register alone and over stores (ops.c, out_cmp). */
static void keep_flags(TCGContext *s, uint32_t start, int dst)
{
    if (s->flags_reg && s->flags_end == start && dst + 1 != s->flags_reg) {
        s->flags_end = tcg_code_offset(s);
    }
}

void tcg_target_out_mov(TCGContext *s, TCGType type, int dst, int src)
{
    uint32_t start = tcg_code_offset(s);
    if (dst != src) {
        emit_modrm(s, OPC_MOVL_GvEv | rexw_of(type), dst, src);
        keep_flags(s, start, dst);
    }
}

void tcg_target_out_movi(TCGContext *s, TCGType type, int dst, int64_t value)
{
    uint64_t v = type == TCG_TYPE_I32 ? (uint32_t)value : (uint64_t)value;
    if (v == 0) {
        out_arithr(s, ALU_XOR, 0, dst, dst);
    } else if (v == (uint32_t)v) {
        emit_opc(s, 0xb8 + (dst & 7), 0, dst, 0);
        out32(s, (uint32_t)v);
    } else if ((int64_t)v == (int32_t)v) {
        emit_modrm(s, OPC_MOVL_EvIz | P_REXW, 0, dst);
        out32(s, (uint32_t)v);
    } else {
        emit_opc(s, (0xb8 + (dst & 7)) | P_REXW, 0, dst, 0);
        out64(s, v);
    }
}

void tcg_target_out_ld(TCGContext *s, TCGType type, int dst, int base, intptr_t offset)
{
    uint32_t start = tcg_code_offset(s);
    emit_modrm_mem(s, OPC_MOVL_GvEv | rexw_of(type), dst, base, -1, 0, (int32_t)offset);
    keep_flags(s, start, dst);
}

void tcg_target_out_st(TCGContext *s, TCGType type, int src, int base, intptr_t offset)
{
    uint32_t start = tcg_code_offset(s);
    emit_modrm_mem(s, OPC_MOVL_EvGv | rexw_of(type), src, base, -1, 0, (int32_t)offset);
    keep_flags(s, start, -1);
}

bool tcg_target_out_sti(TCGContext *s, TCGType type, int64_t value, int base, intptr_t offset)
{
    if (type == TCG_TYPE_I64 && value != (int32_t)value) {
        return false;
    }
    emit_modrm_mem(s, OPC_MOVL_EvIz | rexw_of(type), 0, base, -1, 0, (int32_t)offset);
    out32(s, (uint32_t)value);
    return true;
}

void tcg_target_out_nop(TCGContext *s) { out8(s, 0x90); }

void tcg_target_patch_reloc(TCGContext *s, uint8_t *patch_ptr, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (patch_ptr + 4));
    memcpy(patch_ptr, &rel, 4);
}

void tcg_patch_goto_tb(uintptr_t jmp_insn_addr, uintptr_t target)
{
    int32_t rel = (int32_t)(target - (jmp_insn_addr + 5));
    /* the rel32 field is 4-byte aligned (see out_goto_tb): one atomic store */
    __atomic_store_n((int32_t *)(jmp_insn_addr + 1), rel, __ATOMIC_RELEASE);
}

void tcg_target_out_call(TCGContext *s, const void *func)
{
    intptr_t rel = (const uint8_t *)func - (s->code_ptr + 5);
    if (rel == (int32_t)rel) {
        out8(s, OPC_CALL_Jz);
        out32(s, (uint32_t)(int32_t)rel);
    } else {
        tcg_target_out_movi(s, TCG_TYPE_I64, REG_R11, (int64_t)(uintptr_t)func);
        emit_modrm(s, OPC_GRP5, EXT5_CALLN, REG_R11);
    }
}

