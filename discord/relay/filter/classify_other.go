//go:build !amd64 || purego

package filter

// classifyBlocks is classifyBlocksGo; amd64 has an SSE2 version (unless
// built with the purego tag).
func classifyBlocks(dst []blockMasks, src []byte) { classifyBlocksGo(dst, src) }
