/* The plugin's inline display, rendered as Ardour's mixer strip asks for
 * it: the extension data fetched from the instance, render() called with
 * the width available and the most height allowed. */
#include "host_internal.h"

bool cantus_host_render_display(CantusHost *host, uint32_t width, uint32_t max_height,
                                CantusDisplayImage *out)
{
    const LV2_Inline_Display_Interface *iface =
        lilv_instance_get_extension_data(host->instance, LV2_INLINEDISPLAY__interface);
    if (!iface || !iface->render) return false;
    const LV2_Inline_Display_Image_Surface *surface =
        iface->render(lilv_instance_get_handle(host->instance), width, max_height);
    if (!surface || !surface->data || surface->width <= 0 || surface->height <= 0 ||
        surface->stride < surface->width * 4 || surface->stride % 4)
        return false;
    *out = (CantusDisplayImage){
        .pixels = (const uint32_t *)(const void *)surface->data,
        .width = surface->width,
        .height = surface->height,
        .stride = surface->stride / 4,
    };
    return true;
}

unsigned cantus_host_draws_queued(const CantusHost *host)
{
    return atomic_load_explicit(&((CantusHost *)host)->draws_queued, memory_order_relaxed);
}
