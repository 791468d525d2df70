//go:build amd64 && !purego

// classifyBlocks for amd64, with SSE2 (always present) or AVX2: see
// classifyBlocksGo (classify.go) for what they compute.

#include "textflag.h"

// CHUNK classifies the 16 bytes at off(SI) into bits sh..sh+15 of AX
// (quotes), BX (backslashes), CX (brackets) and DX (bit 1 set).
#define CHUNK(off, sh) \
	MOVOU off(SI), X0 \
	MOVO X0, X1 \
	PCMPEQB X8, X1 \
	PMOVMSKB X1, R8 \
	MOVO X0, X2 \
	PCMPEQB X9, X2 \
	PMOVMSKB X2, R9 \
	MOVO X0, X3 \
	PAND X10, X3 \
	PCMPEQB X11, X3 \
	PMOVMSKB X3, R10 \
	PSLLW $6, X0 \
	PMOVMSKB X0, R11 \
	SHLQ $sh, R8 \
	SHLQ $sh, R9 \
	SHLQ $sh, R10 \
	SHLQ $sh, R11 \
	ORQ R8, AX \
	ORQ R9, BX \
	ORQ R10, CX \
	ORQ R11, DX

// func classifyBlocksSSE2(dst []blockMasks, src []byte)
TEXT ·classifyBlocksSSE2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), R12
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), R13
	SHRQ $6, R13
	CMPQ R13, R12
	CMOVQLT R13, R12 // blocks = min(len(dst), len(src)/64)
	TESTQ R12, R12
	JEQ done
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X9
	PUNPCKLQDQ X9, X9
	MOVQ $0xd9d9d9d9d9d9d9d9, AX
	MOVQ AX, X10
	PUNPCKLQDQ X10, X10
	MOVQ $0x5959595959595959, AX
	MOVQ AX, X11
	PUNPCKLQDQ X11, X11

loop:
	XORQ AX, AX
	XORQ BX, BX
	XORQ CX, CX
	XORQ DX, DX
	CHUNK(0, 0)
	CHUNK(16, 16)
	CHUNK(32, 32)
	CHUNK(48, 48)
	MOVQ AX, 0(DI)
	MOVQ BX, 8(DI)
	MOVQ CX, 16(DI)
	MOVQ DX, 24(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ R12
	JNZ loop

done:
	RET

// func classifyBlocksAVX2(dst []blockMasks, src []byte)
TEXT ·classifyBlocksAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), R12
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), R13
	SHRQ $6, R13
	CMPQ R13, R12
	CMOVQLT R13, R12 // blocks = min(len(dst), len(src)/64)
	TESTQ R12, R12
	JEQ done2
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X8
	VPBROADCASTQ X8, Y8
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X9
	VPBROADCASTQ X9, Y9
	MOVQ $0xd9d9d9d9d9d9d9d9, AX
	MOVQ AX, X10
	VPBROADCASTQ X10, Y10
	MOVQ $0x5959595959595959, AX
	MOVQ AX, X11
	VPBROADCASTQ X11, Y11

loop2: // the block's two halves in Y0 and Y4; masks in AX, BX, CX, DX
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y4
	VPCMPEQB Y8, Y0, Y1
	VPCMPEQB Y8, Y4, Y5
	VPMOVMSKB Y1, AX
	VPMOVMSKB Y5, R8
	SHLQ $32, R8
	ORQ R8, AX
	VPCMPEQB Y9, Y0, Y1
	VPCMPEQB Y9, Y4, Y5
	VPMOVMSKB Y1, BX
	VPMOVMSKB Y5, R8
	SHLQ $32, R8
	ORQ R8, BX
	VPAND Y10, Y0, Y1
	VPAND Y10, Y4, Y5
	VPCMPEQB Y11, Y1, Y1
	VPCMPEQB Y11, Y5, Y5
	VPMOVMSKB Y1, CX
	VPMOVMSKB Y5, R8
	SHLQ $32, R8
	ORQ R8, CX
	VPSLLW $6, Y0, Y1
	VPSLLW $6, Y4, Y5
	VPMOVMSKB Y1, DX
	VPMOVMSKB Y5, R8
	SHLQ $32, R8
	ORQ R8, DX
	MOVQ AX, 0(DI)
	MOVQ BX, 8(DI)
	MOVQ CX, 16(DI)
	MOVQ DX, 24(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ R12
	JNZ loop2
	VZEROUPPER

done2:
	RET

// func cpuAVX2() bool
TEXT ·cpuAVX2(SB), NOSPLIT, $0-1
	XORL AX, AX
	XORL CX, CX
	CPUID // EAX: highest leaf
	CMPL AX, $7
	JLT no
	MOVL $1, AX
	XORL CX, CX
	CPUID
	ANDL $0x18000000, CX // OSXSAVE (bit 27) and AVX (bit 28)
	CMPL CX, $0x18000000
	JNE no
	XORL CX, CX
	XGETBV // XCR0 in EDX:EAX
	ANDL $6, AX // the OS saves the XMM (bit 1) and YMM (bit 2) state
	CMPL AX, $6
	JNE no
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL $5, BX // AVX2
	JCC no
	MOVB $1, ret+0(FP)
	RET

no:
	MOVB $0, ret+0(FP)
	RET
