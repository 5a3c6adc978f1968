// libjpeg's default error handler prints and calls exit(); a decoder of user files must return instead. The error
// manager here jumps back to the call with setjmp/longjmp, with libjpeg's message, and destroys the decompressor.
// A truncated file is an error too: libjpeg only warns (JWRN_JPEG_EOF) and pads the image with grey.
#include "vae_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
} vae_error_mgr;

static void vae_error_exit(j_common_ptr cinfo) {
    vae_error_mgr *mgr = (vae_error_mgr *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(mgr->message, VAE_JPEG_MESSAGE_SIZE, "%s", text);
    longjmp(mgr->jump, 1);
}

// Warnings (level -1) report corrupt data (a premature end of file, a bad Huffman code) that libjpeg would decode
// into grey or garbage pixels: fatal here, except stray bytes between markers, which many cameras write and which
// leave the pixels intact. Trace messages (level >= 0) are ignored.
static void vae_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code != JWRN_EXTRANEOUS_DATA) vae_error_exit(cinfo);
}

static void vae_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void set_up(struct jpeg_decompress_struct *cinfo, vae_error_mgr *mgr, char *message) {
    cinfo->err = jpeg_std_error(&mgr->base);
    mgr->base.error_exit = vae_error_exit;
    mgr->base.emit_message = vae_emit_message;
    mgr->base.output_message = vae_output_message;
    mgr->message = message;
    message[0] = 0;
}

int vae_jpeg_read_header(const uint8_t *data, size_t size, vae_jpeg_header *header, char *message) {
    struct jpeg_decompress_struct cinfo;
    vae_error_mgr mgr;
    set_up(&cinfo, &mgr, message);
    if (setjmp(mgr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    header->width = (int)cinfo.image_width;
    header->height = (int)cinfo.image_height;
    header->components = cinfo.num_components;
    jpeg_destroy_decompress(&cinfo);
    return 1;
}

int vae_jpeg_decode(const uint8_t *data, size_t size, int channels, uint8_t *pixels, size_t capacity, char *message) {
    struct jpeg_decompress_struct cinfo;
    vae_error_mgr mgr;
    set_up(&cinfo, &mgr, message);
    if (setjmp(mgr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (channels == 1 && cinfo.num_components != 1) {
        snprintf(message, VAE_JPEG_MESSAGE_SIZE, "a colour JPEG cannot be decoded to 1 channel here");
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    if (cinfo.num_components == 4) {
        snprintf(message, VAE_JPEG_MESSAGE_SIZE, "CMYK/YCCK JPEGs are not supported (convert the file to RGB)");
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (cinfo.output_components != channels || stride * cinfo.output_height > capacity) {
        snprintf(message, VAE_JPEG_MESSAGE_SIZE, "decoded size disagrees with the header");
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 1;
}
