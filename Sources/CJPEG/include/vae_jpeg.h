#ifndef VAE_JPEG_H
#define VAE_JPEG_H

#include <stddef.h>
#include <stdint.h>

/// Room for libjpeg's messages (its JMSG_LENGTH_MAX is 200).
#define VAE_JPEG_MESSAGE_SIZE 256

/// What a JPEG's header declares.
typedef struct {
    int width;
    int height;
    /// Colour components in the file: 1 (grey), 3 (YCbCr or RGB), 4 (CMYK or YCCK).
    int components;
} vae_jpeg_header;

/// Reads the header of the JPEG in `data` without decoding a pixel. Returns 1, or 0 with libjpeg's reason in
/// `message` (NUL-terminated) when the bytes are not a readable JPEG. libjpeg's fatal errors return here through
/// setjmp/longjmp instead of calling exit().
int vae_jpeg_read_header(const uint8_t *data, size_t size, vae_jpeg_header *header, char *message);

/// Decodes the JPEG in `data` into `pixels` as 8-bit `channels` (1: grey files only, 3: any grey or colour file),
/// rows top to bottom; `capacity` must be at least width × height × channels of its header. Returns 1, or 0 with
/// the reason in `message` (a truncated or corrupt file, a colour space that does not convert).
int vae_jpeg_decode(const uint8_t *data, size_t size, int channels, uint8_t *pixels, size_t capacity, char *message);

#endif
