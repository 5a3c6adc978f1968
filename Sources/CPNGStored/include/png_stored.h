#ifndef PNG_STORED_H
#define PNG_STORED_H

#include <stddef.h>
#include <stdint.h>

/// Encodes an 8-bit image (1 to 4 channels) as a PNG with uncompressed ("stored") deflate blocks and no filtering:
/// a valid PNG at a fraction of the cost of compressing it, for images that are sent and dropped.
/// Returns the number of bytes written to `out`, or 0 for a bad size or when `capacity` is too small.
size_t vae_png_encode_stored(const uint8_t *pixels, int width, int height, int channels,
                             uint8_t *out, size_t capacity);

/// The most bytes `vae_png_encode_stored` can need for an image of this size (0 when it cannot be encoded).
size_t vae_png_stored_bound(int width, int height, int channels);

#endif
