// Package media takes in the images an artist publishes and makes them safe to
// serve to the Fediverse.
//
// [Process] is the single entry point. It sniffs the format from the bytes
// themselves (PNG, JPEG, GIF and WebP only; file names and declared content types
// are never trusted), enforces size and pixel limits before any full decode so a
// decompression bomb is refused from its header, removes metadata (Exif with its
// GPS position, XMP, IPTC, comments, text chunks, timestamps) by editing the file
// structure byte by byte without re-encoding, checks that the result still decodes
// to the same dimensions, and computes the blurhash, the displayed size and the
// SHA-256 that a Note attachment needs.
//
// Pixels are never touched. The one piece of metadata that changes how an image
// looks, the JPEG Exif orientation, is kept: when it is not 1 the stripped JPEG
// carries a minimal Exif segment holding only the Orientation tag (34 bytes, no
// other field), and the reported Width and Height are the displayed ones, with
// the blurhash computed on the image as displayed. Re-encoding to apply the
// rotation was rejected because it loses quality and changes the file the
// artist sent.
//
// The package is pure: no I/O, no clock, no logging, no shared state. Process is
// safe for concurrent use.
package media
