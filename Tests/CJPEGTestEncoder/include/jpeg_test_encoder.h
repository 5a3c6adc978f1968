#ifndef JPEG_TEST_ENCODER_H
#define JPEG_TEST_ENCODER_H

#include <stddef.h>
#include <stdint.h>

/// Encodes `width`×`height` 8-bit pixels of 1 (grey) or 3 (RGB) channels as a baseline JPEG of `quality` (1 to 100)
/// into a buffer from malloc, stored in `*output` with its size in `*size` (free it with free()). Returns 1, or 0
/// on failure. For tests: the reader's inputs made by libjpeg itself.
int jpeg_test_encode(const uint8_t *pixels, int width, int height, int channels, int quality, uint8_t **output,
                     size_t *size);

#endif
