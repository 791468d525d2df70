//go:build amd64 && !purego

package filter

// useAVX2 records whether the CPU and the operating system support AVX2. It
// is computed once, when the package is initialised, and never changes.
var useAVX2 = cpuAVX2()

// classifyBlocks is classifyBlocksGo written with AVX2 when available, else
// with SSE2 (always present on amd64), in classify_amd64.s.
func classifyBlocks(dst []blockMasks, src []byte) {
	if useAVX2 {
		classifyBlocksAVX2(dst, src)
		return
	}
	classifyBlocksSSE2(dst, src)
}

//go:noescape
func classifyBlocksSSE2(dst []blockMasks, src []byte)

//go:noescape
func classifyBlocksAVX2(dst []blockMasks, src []byte)

// cpuAVX2 asks CPUID and XGETBV whether AVX2 can be used.
func cpuAVX2() bool
