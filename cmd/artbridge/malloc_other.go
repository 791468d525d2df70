//go:build !linux || !cgo

package main

// tuneMalloc does nothing where glibc's allocator is not linked.
func tuneMalloc(func(string) string) bool { return false }
