/* A 5x7 bitmap font for printable ASCII, drawn for the inline display
 * (the plugin links no font or drawing library). */
#ifndef CANTUS_PLUGIN_FONT5X7_H
#define CANTUS_PLUGIN_FONT5X7_H

#include <stdint.h>

#define FONT_WIDTH   5
#define FONT_HEIGHT  7
#define FONT_ADVANCE 6 /* a column of space between letters */

/* The glyph of a byte: 7 rows from the top, each 5 bits with bit 4 the
 * leftmost column. Anything outside ' '..'~' is drawn as '?'. */
const uint8_t *font5x7_glyph(unsigned char c);

#endif
