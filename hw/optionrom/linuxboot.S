/*
 * linuxboot: an option ROM that boots the Linux kernel given with -kernel when
 * the machine runs real firmware (SeaBIOS). The emulator prepares everything on
 * the host side (hw/x86-boot.c) and offers it through fw_cfg; this ROM only
 * copies the pieces where the emulator says and enters the kernel's real-mode
 * setup code as the Linux x86 boot protocol asks (Documentation/arch/x86/boot.rst,
 * "Running the kernel"): DS = ES = SS = setup segment, SP at the heap end,
 * CS = segment + 0x20, IP = 0, interrupts off.
 *
 * It is an ordinary BIOS expansion ROM (0x55 0xAA, size in 512-byte blocks,
 * init entry at offset 3) with a PnP expansion header whose Boot Entry Vector
 * (BEV) the firmware calls when it boots from this device (BIOS Boot
 * Specification 1.01, appendix C, and the Plug and Play BIOS specification 1.0A,
 * 3.3). The checksum bytes are filled in by signrom.
 *
 * fw_cfg (the emulator's firmware configuration device): selector port 0x510,
 * data port 0x511; DMA: the physical address of a descriptor
 * {be32 control, be32 length, be64 address} written big-endian to ports
 * 0x514 (high half) and 0x518 (low half, which starts the transfer); control =
 * key << 16 | SELECT (0x08) | READ (0x02), cleared by the device when done,
 * bit 0 set on error.
 *
 * Items read (key: what): 0x16/0x17/0x18 setup code address/size/data,
 * 0x07/0x08/0x11 protected-mode kernel address/size/data, 0x13/0x14/0x15 command
 * line address/size/data, 0x0a/0x0b/0x12 initrd address/size/data.
 */
        .code16
        .text
        .globl _start
_start:
        .byte 0x55, 0xaa
        .byte 0                         /* size in 512-byte blocks: signrom */
        lret                            /* init entry (offset 3): nothing to set up */
        .org 0x1a
        .word pnp_header

        .balign 16
pnp_header:
        .ascii "$PnP"
        .byte 1                         /* structure revision */
        .byte 2                         /* length in 16-byte units */
        .word 0                         /* next header */
        .byte 0                         /* reserved */
        .byte 0                         /* checksum: signrom */
        .long 0                         /* device identifier */
        .word 0                         /* manufacturer string */
        .word product_name              /* product name string */
        .byte 0, 0, 0                   /* device type code */
        .byte 0                         /* device indicators */
        .word 0                         /* boot connection vector */
        .word 0                         /* disconnect vector */
        .word boot_entry                /* boot entry vector */
        .word 0                         /* reserved */
        .word 0                         /* static resource information vector */

product_name:
        .asciz "Linux kernel (-kernel)"

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511
#define FW_CFG_PORT_DMA_HI 0x514
#define FW_CFG_PORT_DMA_LO 0x518
/* the DMA descriptor lives in free conventional memory below the boot sector */
#define DMA_DESC 0x7000

/* eax = 32-bit little-endian value of fw_cfg item %ax (clobbers edx, ecx) */
read_item32:
        mov $FW_CFG_PORT_SEL, %dx
        out %ax, %dx
        mov $FW_CFG_PORT_DATA, %dx
        mov $4, %cx
1:      in %dx, %al
        ror $8, %eax
        loop 1b
        ret

/* copies fw_cfg item %bx, %ecx bytes, to physical address %edi by DMA */
dma_read_item:
        test %ecx, %ecx
        jz 3f
        xor %ax, %ax
        mov %ax, %es
        movzwl %bx, %eax
        shl $16, %eax
        or $0x0a, %eax                  /* SELECT | READ */
        bswap %eax
        mov %eax, %es:DMA_DESC
        mov %ecx, %eax
        bswap %eax
        mov %eax, %es:DMA_DESC + 4
        movl $0, %es:DMA_DESC + 8       /* address, high half (big-endian) */
        mov %edi, %eax
        bswap %eax
        mov %eax, %es:DMA_DESC + 12
        xor %eax, %eax
        mov $FW_CFG_PORT_DMA_HI, %dx
        out %eax, %dx
        mov $DMA_DESC, %eax
        bswap %eax
        mov $FW_CFG_PORT_DMA_LO, %dx
        out %eax, %dx
2:      mov %es:DMA_DESC, %eax          /* the device clears control when done */
        bswap %eax
        test $~1, %eax
        jnz 2b
        test $1, %eax
        jnz dma_failed
3:      ret

dma_failed:
        hlt
        jmp dma_failed

/* loads item pair (address key %si, size key %si+1) with data key %bx */
load_piece:
        mov %si, %ax
        call read_item32
        mov %eax, %edi
        lea 1(%si), %ax
        call read_item32
        mov %eax, %ecx
        jmp dma_read_item

boot_entry:
        cli
        cld
        mov $0x16, %si                  /* setup code */
        mov $0x18, %bx
        call load_piece
        mov $0x07, %si                  /* protected-mode kernel */
        mov $0x11, %bx
        call load_piece
        mov $0x13, %si                  /* command line */
        mov $0x15, %bx
        call load_piece
        mov $0x0a, %si                  /* initrd */
        mov $0x12, %bx
        call load_piece

        mov $0x16, %ax
        call read_item32
        shr $4, %eax                    /* setup segment */
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %fs
        mov %ax, %gs
        mov 0x224, %bx                  /* heap_end_ptr: the stack goes above it */
        add $0x200, %bx
        mov %ax, %ss
        mov %bx, %sp
        add $0x20, %ax
        push %ax
        push $0
        lret

