#include "png_stored.h"

#include <png.h>
#include <setjmp.h>
#include <string.h>

typedef struct {
    uint8_t *data;
    size_t capacity;
    size_t size;
} Output;

static void write_bytes(png_structp png, png_bytep bytes, png_size_t count) {
    Output *out = png_get_io_ptr(png);
    if (count > out->capacity - out->size) png_error(png, "output buffer too small");
    memcpy(out->data + out->size, bytes, count);
    out->size += count;
}

static void flush_nothing(png_structp png) { (void)png; }

// Errors go back to the caller as a 0 result, without libpng's message on stderr.
static void on_error(png_structp png, png_const_charp message) {
    (void)message;
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

size_t vae_png_stored_bound(int width, int height, int channels) {
    size_t raw = (size_t)height * ((size_t)width * channels + 1);
    // Signature, IHDR, IEND and zlib's header: 256. Stored blocks: 5 bytes per block, and with memory level 1 a
    // block holds at least 507 bytes (under 1/64 overhead). IDAT chunks: 12 bytes per 8 KiB.
    return raw + raw / 64 + raw / 8192 * 12 + 256;
}

size_t vae_png_encode_stored(const uint8_t *pixels, int width, int height, int channels,
                             uint8_t *out, size_t capacity) {
    static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4) return 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_error, on_warning);
    if (!png) return 0;
    png_infop info = png_create_info_struct(png);
    Output output = {out, capacity, 0};
    // libpng reports errors by longjmp; everything after this point is plain C with no resources of its own.
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    png_set_write_fn(png, &output, write_bytes, flush_nothing);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels - 1],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, 0);
    png_set_compression_mem_level(png, 1);
    png_write_info(png, info);
    for (int row = 0; row < height; row++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)row * width * channels));
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return output.size;
}
