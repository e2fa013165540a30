/* Ardour's inline display: a small picture the host shows in its mixer
 * strip, drawn by the plugin (http://harrisonconsoles.com/lv2/inlinedisplay).
 *
 * The extension's header is not in lv2-dev, and Ardour installs none, so
 * its few definitions are written here from the published extension (the
 * "Inline-Display" group of Ardour's lv2_extensions.h, which x42's plugins
 * copy): the same URIs and the same struct layouts, which is all the ABI
 * there is.
 *
 * - The host passes the feature `queue_draw` (an LV2_Inline_Display) at
 *   instantiate; the plugin calls queue_draw() from run() (real-time safe
 *   by the extension's contract) when the picture has changed.
 * - The plugin returns an LV2_Inline_Display_Interface from extension_data
 *   for `interface`; the host calls render() later, in a non-real-time
 *   thread (usually the GUI's), with the width it has and the most height it
 *   can give. The plugin returns a surface it owns (ARGB32, premultiplied,
 *   Cairo's format) that stays valid until cleanup, or NULL.
 */
#ifndef CANTUS_PLUGIN_INLINE_DISPLAY_H
#define CANTUS_PLUGIN_INLINE_DISPLAY_H

#include <stdint.h>

#include <lv2/core/lv2.h>

#define LV2_INLINEDISPLAY_URI         "http://harrisonconsoles.com/lv2/inlinedisplay"
#define LV2_INLINEDISPLAY_PREFIX      LV2_INLINEDISPLAY_URI "#"
#define LV2_INLINEDISPLAY__interface  LV2_INLINEDISPLAY_PREFIX "interface"
#define LV2_INLINEDISPLAY__queue_draw LV2_INLINEDISPLAY_PREFIX "queue_draw"
#define LV2_INLINEDISPLAY__in_gui     LV2_INLINEDISPLAY_PREFIX "in_gui"

typedef void *LV2_Inline_Display_Handle;

/* The picture: ARGB32 (native-endian 32-bit words 0xAARRGGBB, colour
 * premultiplied by alpha), `stride` bytes from one row to the next. */
typedef struct {
    unsigned char *data;
    int width;
    int height;
    int stride;
} LV2_Inline_Display_Image_Surface;

/* The feature the host gives: ask for a render() soon. */
typedef struct {
    LV2_Inline_Display_Handle handle;
    void (*queue_draw)(LV2_Inline_Display_Handle handle);
} LV2_Inline_Display;

/* The extension data the plugin gives. w is the width available, h the most
 * height; the surface returned may be smaller. */
typedef struct {
    LV2_Inline_Display_Image_Surface *(*render)(LV2_Handle instance, uint32_t w, uint32_t h);
} LV2_Inline_Display_Interface;

#endif
