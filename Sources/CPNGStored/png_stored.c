// A PNG of stored deflate blocks is fixed framing around the scanlines: signature, IHDR, one IDAT holding a zlib
// stream of stored blocks, IEND. Written directly, with zlib's CRC-32 and Adler-32; going through libpng's writer
// cost more per 28×28 image (two structs and a deflate stream set up and torn down) than the checksums themselves.
#include "png_stored.h"

#include <string.h>
#include <zlib.h>

enum { stored_block_max = 65535 };

static size_t scanline_bytes(int width, int height, int channels) {
    return (size_t)height * ((size_t)width * (size_t)channels + 1);
}

size_t vae_png_stored_bound(int width, int height, int channels) {
    // PNG limits width and height to 2^31 - 1; one IDAT chunk holds at most 2^31 - 1 bytes.
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4) return 0;
    size_t raw = scanline_bytes(width, height, channels);
    size_t blocks = raw / stored_block_max + 1;
    size_t idat = 2 + raw + 5 * blocks + 4;
    if (idat > 0x7fffffff) return 0;
    return 8 + (12 + 13) + (12 + idat) + 12;
}

static uint8_t *put32(uint8_t *p, uint32_t value) {
    p[0] = (uint8_t)(value >> 24);
    p[1] = (uint8_t)(value >> 16);
    p[2] = (uint8_t)(value >> 8);
    p[3] = (uint8_t)value;
    return p + 4;
}

/// Writes a chunk's CRC: over its type and data, which are the `length + 4` bytes before `p`.
static uint8_t *put_crc(uint8_t *p, const uint8_t *type) {
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32_z(crc, type, (z_size_t)(p - type));
    return put32(p, (uint32_t)crc);
}

size_t vae_png_encode_stored(const uint8_t *pixels, int width, int height, int channels,
                             uint8_t *out, size_t capacity) {
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const uint8_t color_types[] = {0, 4, 2, 6};  // grey, grey+alpha, RGB, RGBA
    size_t bound = vae_png_stored_bound(width, height, channels);
    if (bound == 0 || capacity < bound) return 0;
    size_t row_bytes = (size_t)width * (size_t)channels;
    size_t raw = scanline_bytes(width, height, channels);
    size_t blocks = raw / stored_block_max + (raw % stored_block_max != 0);
    size_t idat_length = 2 + raw + 5 * blocks + 4;

    uint8_t *p = out;
    memcpy(p, signature, 8);
    p += 8;

    p = put32(p, 13);
    uint8_t *type = p;
    memcpy(p, "IHDR", 4);
    p = put32(p + 4, (uint32_t)width);
    p = put32(p, (uint32_t)height);
    *p++ = 8;                           // bit depth
    *p++ = color_types[channels - 1];
    *p++ = 0;                           // deflate
    *p++ = 0;                           // adaptive filtering (every row uses filter 0, none)
    *p++ = 0;                           // not interlaced
    p = put_crc(p, type);

    p = put32(p, (uint32_t)idat_length);
    type = p;
    memcpy(p, "IDAT", 4);
    p += 4;
    *p++ = 0x78;  // zlib: deflate, 32 KiB window
    *p++ = 0x01;  // no dictionary, fastest; (0x78 * 256 + 0x01) % 31 == 0
    uLong adler = adler32(0L, Z_NULL, 0);
    size_t left = raw, row = 0, column = 0;  // column 0 is the row's filter byte
    while (left > 0) {
        size_t block = left < stored_block_max ? left : stored_block_max;
        left -= block;
        *p++ = left == 0 ? 1 : 0;  // BFINAL, BTYPE 00 (stored)
        *p++ = (uint8_t)block;
        *p++ = (uint8_t)(block >> 8);
        *p++ = (uint8_t)~block;
        *p++ = (uint8_t)(~block >> 8);
        uint8_t *start = p;
        // The scanlines continue across block boundaries.
        while (block > 0) {
            if (column == 0) {
                *p++ = 0;
                column = 1;
                block -= 1;
                continue;
            }
            size_t done = column - 1, take = row_bytes - done;
            if (take > block) take = block;
            memcpy(p, pixels + row * row_bytes + done, take);
            p += take;
            block -= take;
            column += take;
            if (column == row_bytes + 1) {
                row += 1;
                column = 0;
            }
        }
        adler = adler32_z(adler, start, (z_size_t)(p - start));
    }
    p = put32(p, (uint32_t)adler);
    p = put_crc(p, type);

    p = put32(p, 0);
    type = p;
    memcpy(p, "IEND", 4);
    p = put_crc(p + 4, type);
    return (size_t)(p - out);
}
