/* Test double of accel/tcg/cputlb.h and system/memory.h (see fake.h). */
#include <stdlib.h>
#include <string.h>
#include "tests/x86sys/fake.h"

FakeMachine *fake;
int tests_passed, tests_failed;

static AddressSpace *fake_as = (AddressSpace *)&fake_as;

static uint32_t fake_io_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque;
    fake->io_last_port = port;
    fake->io_last_size = size;
    return 0x12345678u & (size == 4 ? ~0u : (1u << (size * 8)) - 1);
}

static void fake_io_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    (void)opaque;
    fake->io_last_port = port;
    fake->io_last_size = size;
    fake->io_last_value = value;
}

static int fake_get_interrupt(void *opaque)
{
    (void)opaque;
    return fake->next_irq;
}

static void fake_reset(void *opaque, const char *why)
{
    (void)opaque;
    (void)why;
    fake->resets++;
}

static int64_t fake_clock(void *opaque)
{
    (void)opaque;
    return 1000;
}

static bool fake_rdmsr(void *opaque, uint32_t msr, uint64_t *v)
{
    (void)opaque;
    if (msr == 0x1b) {
        *v = 0xfee00900;
        return true;
    }
    return false;
}

static bool fake_wrmsr(void *opaque, uint32_t msr, uint64_t v)
{
    (void)opaque;
    (void)v;
    return msr == 0x1b;
}

const X86BoardHooks fake_board = {
    .get_interrupt = fake_get_interrupt, .rdmsr = fake_rdmsr, .wrmsr = fake_wrmsr,
    .clock_ns = fake_clock, .request_reset = fake_reset,
    .io_read = fake_io_read, .io_write = fake_io_write,
};

void fake_init(void)
{
    if (!fake) {
        fake = calloc(1, sizeof(*fake));
        fake->ram = calloc(1, FAKE_RAM_SIZE);
    }
    memset(fake->ram, 0, FAKE_RAM_SIZE);
    memset(&fake->last, 0, sizeof(fake->last));
    fake->flushes = fake->page_flushes = fake->nonglobal_flushes = fake->resets = 0;
    fake->interrupt_request = 0;
    fake->next_irq = -1;
    fake->exec.env = &fake->env;
    fake->env.exec = &fake->exec;
    fake->env.board = &fake_board;
    x86_cpu_init_system(&fake->env, fake_as);
}

void put8(uint64_t pa, uint8_t v) { fake->ram[pa] = v; }
void put16(uint64_t pa, uint16_t v) { memcpy(fake->ram + pa, &v, 2); }
void put32(uint64_t pa, uint32_t v) { memcpy(fake->ram + pa, &v, 4); }
void put64(uint64_t pa, uint64_t v) { memcpy(fake->ram + pa, &v, 8); }
uint16_t get16(uint64_t pa) { uint16_t v; memcpy(&v, fake->ram + pa, 2); return v; }
uint32_t get32(uint64_t pa) { uint32_t v; memcpy(&v, fake->ram + pa, 4); return v; }
uint64_t get64(uint64_t pa) { uint64_t v; memcpy(&v, fake->ram + pa, 8); return v; }

/* ---- system/memory.h ---- */
static void phys_rw(uint64_t pa, void *buf, size_t len, bool write)
{
    if (pa >= FAKE_RAM_SIZE || pa + len > FAKE_RAM_SIZE) {
        if (!write) {
            memset(buf, 0xff, len);
        }
        return;
    }
    if (write) {
        memcpy(fake->ram + pa, buf, len);
    } else {
        memcpy(buf, fake->ram + pa, len);
    }
}

uint32_t ldl_phys(AddressSpace *as, uint64_t pa) { uint32_t v; (void)as; phys_rw(pa, &v, 4, false); return v; }
uint64_t ldq_phys(AddressSpace *as, uint64_t pa) { uint64_t v; (void)as; phys_rw(pa, &v, 8, false); return v; }
void stl_phys(AddressSpace *as, uint64_t pa, uint32_t v) { (void)as; phys_rw(pa, &v, 4, true); }
void stq_phys(AddressSpace *as, uint64_t pa, uint64_t v) { (void)as; phys_rw(pa, &v, 8, true); }

/* ---- accel/tcg ---- */
void cpu_exec_enable_softmmu(CPUExec *cpu, AddressSpace *as, intptr_t off)
{
    (void)cpu; (void)as; (void)off;
}
AddressSpace *cpu_address_space(CPUExec *cpu) { (void)cpu; return fake_as; }

void tlb_set_page(CPUExec *cpu, uint64_t vaddr, uint64_t paddr, int prot, int mmu_idx,
                  uint64_t page_size)
{
    (void)cpu;
    fake->last = (FakeTlbEntry){ vaddr, paddr, page_size, prot, mmu_idx, fake->last.count + 1 };
}
void tlb_flush(CPUExec *cpu) { (void)cpu; if (fake) fake->flushes++; }
void tlb_flush_nonglobal(CPUExec *cpu) { (void)cpu; if (fake) fake->nonglobal_flushes++; }
void tlb_flush_page(CPUExec *cpu, uint64_t vaddr) { (void)cpu; (void)vaddr; fake->page_flushes++; }

static uint64_t translate(CPUExec *cpu, uint64_t addr, unsigned size, int type, int idx,
                          uintptr_t ra)
{
    x86_cpu_tlb_fill(cpu->env, addr, size, type, idx, false, ra);
    return fake->last.paddr + (addr & 0xfff);
}

uint64_t cpu_ld_mmu(CPUExec *cpu, uint64_t addr, TCGMemOp memop, uintptr_t ra)
{
    unsigned size = 1u << (memop & MO_SIZE);
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        uint8_t b;
        phys_rw(translate(cpu, addr + i, 1, MMU_DATA_LOAD, tcg_memop_mmuidx(memop), ra), &b, 1,
                false);
        v |= (uint64_t)b << (8 * i);
    }
    if ((memop & MO_SIGN) && size < 8) {
        v = (uint64_t)((int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size));
    }
    return v;
}

void cpu_st_mmu(CPUExec *cpu, uint64_t addr, uint64_t value, TCGMemOp memop, uintptr_t ra)
{
    unsigned size = 1u << (memop & MO_SIZE);

    for (unsigned i = 0; i < size; i++) {
        uint64_t pa = translate(cpu, addr + i, 1, MMU_DATA_STORE, tcg_memop_mmuidx(memop), ra);
        uint8_t b = value >> (8 * i);
        phys_rw(pa, &b, 1, true);
    }
}

void *cpu_probe_access(CPUExec *cpu, uint64_t addr, unsigned size, MMUAccessType type,
                       int mmu_idx, uintptr_t ra)
{
    uint64_t pa = translate(cpu, addr, size, type, mmu_idx, ra);

    if ((addr & 0xfff) + size > 0x1000 || pa + size > FAKE_RAM_SIZE) {
        return NULL;
    }
    return fake->ram + pa;
}

void cpu_interrupt(CPUExec *cpu, int mask) { (void)cpu; fake->interrupt_request |= mask; }
void cpu_reset_interrupt(CPUExec *cpu, int mask) { (void)cpu; fake->interrupt_request &= ~mask; }
int cpu_interrupt_request(CPUExec *cpu) { (void)cpu; return fake->interrupt_request; }

static bool halted;
void cpu_set_halted(CPUExec *cpu, bool h) { (void)cpu; halted = h; }
bool cpu_is_halted(CPUExec *cpu) { (void)cpu; return halted; }

void cpu_loop_exit(CPUExec *cpu) { siglongjmp(cpu->jmp_env, 1); }
void cpu_loop_exit_restore(CPUExec *cpu, uintptr_t host_pc) { (void)host_pc; siglongjmp(cpu->jmp_env, 1); }
void tb_flush(CPUExec *cpu) { (void)cpu; }

/* user-mode page API (helper.c's user-mode path; unused here) */
bool page_check_range(CPUExec *cpu, uint64_t start, uint64_t len, int flags)
{
    (void)cpu; (void)start; (void)len; (void)flags;
    return false;
}
uintptr_t cpu_exec_guest_base(const CPUExec *cpu) { (void)cpu; return 0; }

int main(void)
{
    test_mmu();
    test_seg();
    test_misc();
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed != 0;
}
