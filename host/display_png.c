/* The plugin's inline display into a PNG, through cairo: the pixels are
 * already in cairo's ARGB32, so they are wrapped, not converted (as Ardour
 * wraps them to paint its mixer strip). */
#include <stdio.h>

#include <cairo.h>

#include "render.h"

bool display_png_write(const char *path, const CantusDisplayImage *image, char *err,
                       size_t err_size)
{
    cairo_surface_t *surface =
        cairo_image_surface_create_for_data((unsigned char *)image->pixels, CAIRO_FORMAT_ARGB32,
                                            image->width, image->height, image->stride * 4);
    cairo_status_t status = cairo_surface_status(surface);
    if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_write_to_png(surface, path);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS) {
        snprintf(err, err_size, "%s: %s", path, cairo_status_to_string(status));
        return false;
    }
    return true;
}
