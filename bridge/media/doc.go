// Package media takes in the images an artist publishes and makes them safe to
// serve to the Fediverse.
//
// [Process] is the single entry point. It sniffs the format from the bytes
// themselves (PNG, JPEG, GIF and WebP only; file names and declared content types
// are never trusted), enforces [Limits] before any full decode so that a file
// whose structure would make checking it costly is refused from that structure: a
// decompression bomb from its header, a progressive JPEG from its scans, a GIF
// from its frames, any format from its number of chunks. It removes metadata (Exif
// with its GPS position, XMP, IPTC, comments, thumbnails, text chunks, timestamps,
// application extensions, the text of ICC profiles) by rebuilding the file
// structure without re-encoding, checks that the result still decodes to the same
// dimensions, and computes the blurhash, the displayed size and the SHA-256 that a
// Note attachment needs. Its context bounds the time: the decoders read through
// it, so a deadline abandons a decode at its next read.
//
// A refused image is an [*Error] whose text is written for the artist who sent
// it: what is wrong, what to do, then the technical detail.
//
// ICC profiles are kept, rebuilt from their colorimetric tags only (see
// sanitizeICC), because dropping the profile of a wide-gamut picture changes its
// colours and converting to sRGB would mean re-encoding. An animated PNG keeps
// only its default image.
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
