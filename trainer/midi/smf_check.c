/* The checker walks the file exactly as a reader would, but trusts nothing:
 * every length is compared with what is left before it is used. Whatever
 * passes is written again in a canonical form, so libsmf only ever parses
 * byte sequences whose shape this file has decided. */
#include "midi/smf_check.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi/smf_bytes.h"

/* libsmf keeps times in int pulses; staying far below INT_MAX keeps its
 * sums and our tick arithmetic exact. */
#define MAX_TRACK_TICKS (1u << 30)
/* The largest delta time a 4-byte variable-length quantity can hold. */
#define MAX_VLQ 0x0fffffffu
/* Track and instrument names are only used to guess the melody; libsmf reads
 * a meta event's length as one byte, so longer texts are cut to fit. */
#define MAX_NAME_BYTES 100

static uint32_t get_be(const uint8_t *p, int bytes)
{
    uint32_t value = 0;
    for (int i = 0; i < bytes; i++)
        value = value << 8 | p[i];
    return value;
}

static int fail(char *reason, size_t reason_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    if (reason && reason_size) vsnprintf(reason, reason_size, format, args);
    va_end(args);
    return -1;
}

/* A variable-length quantity: at most 4 bytes (28 bits), as the SMF
 * specification allows. Returns 0, -1 when the chunk ends inside it, -2 when
 * it is longer than 4 bytes. */
static int read_vlq(const uint8_t *p, size_t avail, uint32_t *value, size_t *used)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= avail) return -1;
        v = v << 7 | (p[i] & 0x7f);
        if (!(p[i] & 0x80)) {
            *value = v;
            *used = i + 1;
            return 0;
        }
    }
    return -2;
}

/* The length of a meta or sysex event (`what`), a VLQ at *pos; the event's
 * bytes must follow inside the track. Returns 0 with *pos past the VLQ, or
 * -1 with the reason. */
static int read_event_length(const uint8_t *p, size_t length, size_t *pos, int track,
                             const char *what, uint32_t *event_length, char *reason,
                             size_t reason_size)
{
    size_t used;
    int v = read_vlq(p + *pos, length - *pos, event_length, &used);
    if (v == -1)
        return fail(reason, reason_size, "track %d ends inside the length of a %s", track, what);
    if (v == -2)
        return fail(reason, reason_size, "track %d has a %s length longer than 4 bytes", track,
                    what);
    *pos += used;
    if (*event_length > length - *pos)
        return fail(reason, reason_size,
                    "track %d has a %s of %u bytes running past the end of the track", track, what,
                    *event_length);
    return 0;
}

static bool meta_is_kept(uint8_t type, const uint8_t *data, uint32_t length)
{
    switch (type) {
    case 0x03: /* track name */
    case 0x04: /* instrument name */
        return true;
    case 0x51: /* tempo: 3 bytes of microseconds per quarter, never zero */
        return length == 3 && get_be(data, 3) > 0;
    case 0x58: /* time signature: nn dd cc bb, denominator 2^dd */
        return length == 4 && data[0] > 0 && data[1] <= 6;
    default:
        return false;
    }
}

/* Checks one MTrk chunk body (track is 1-based, for messages) and appends
 * its canonical form, header included, to out. */
static int check_track(const uint8_t *p, size_t length, int track, SmfBytes *out, char *reason,
                       size_t reason_size)
{
    size_t pos = 0;
    uint8_t running = 0; /* 0: no running status in force */
    uint64_t ticks = 0;
    uint32_t carry = 0; /* delta time of dropped events, given to the next kept one */
    const size_t header_at = out->length;

    smf_bytes_put(out, "MTrk", 4);
    smf_bytes_put_be(out, 0, 4); /* patched below */

    while (pos < length) {
        uint32_t delta;
        size_t used;
        int v = read_vlq(p + pos, length - pos, &delta, &used);
        if (v == -1) return fail(reason, reason_size, "track %d ends inside a delta time", track);
        if (v == -2)
            return fail(reason, reason_size,
                        "track %d has a delta time longer than 4 bytes at offset %zu", track, pos);
        pos += used;
        ticks += delta;
        carry += delta;
        if (ticks > MAX_TRACK_TICKS)
            return fail(reason, reason_size, "track %d is longer than %u ticks", track,
                        MAX_TRACK_TICKS);
        /* Dropped events hand their delta times on; the sum must still fit
         * the one delta time the canonical copy writes for them. */
        if (carry > MAX_VLQ)
            return fail(reason, reason_size,
                        "track %d has %u ticks between two kept events, more than a delta time "
                        "can hold",
                        track, carry);
        if (pos >= length)
            return fail(reason, reason_size, "track %d ends after a delta time, before its event",
                        track);

        uint8_t status = p[pos];
        if (status & 0x80) {
            pos++;
        } else if (running) {
            status = running; /* running status: the data bytes follow directly */
        } else {
            return fail(reason, reason_size,
                        "track %d has data byte 0x%02x at offset %zu where a status byte belongs",
                        track, p[pos], pos);
        }

        if (status < 0xf0) {
            size_t n = (status & 0xe0) == 0xc0 ? 1 : 2; /* program change, channel pressure */
            if (pos + n > length)
                return fail(reason, reason_size, "track %d ends inside a channel message", track);
            for (size_t i = 0; i < n; i++)
                if (p[pos + i] & 0x80)
                    return fail(reason, reason_size,
                                "track %d has a channel message cut short by status byte 0x%02x "
                                "at offset %zu",
                                track, p[pos + i], pos + i);
            smf_bytes_put_vlq(out, carry);
            smf_bytes_put_byte(out, status);
            smf_bytes_put(out, p + pos, n);
            carry = 0;
            pos += n;
            running = status;
            continue;
        }

        /* The specification says meta and sysex events cancel running
         * status, but some writers go on using it after them (a real file of
         * the game corpus does) and every lenient reader accepts that; the
         * canonical copy spells every status out, so nothing is risked. */
        if (status == 0xff) {
            if (pos >= length)
                return fail(reason, reason_size, "track %d ends inside a meta event", track);
            uint8_t type = p[pos++];
            uint32_t meta_length;
            if (read_event_length(p, length, &pos, track, "meta event", &meta_length, reason,
                                  reason_size))
                return -1;
            if (type == 0x2f) break; /* end of track: anything after it is not part of the track */
            if (meta_is_kept(type, p + pos, meta_length)) {
                uint32_t kept = meta_length > MAX_NAME_BYTES ? MAX_NAME_BYTES : meta_length;
                smf_bytes_put_vlq(out, carry);
                smf_bytes_put_byte(out, 0xff);
                smf_bytes_put_byte(out, type);
                smf_bytes_put_vlq(out, kept);
                smf_bytes_put(out, p + pos, kept);
                carry = 0;
            }
            pos += meta_length;
        } else if (status == 0xf0 || status == 0xf7) {
            uint32_t sysex_length;
            if (read_event_length(p, length, &pos, track, "sysex event", &sysex_length, reason,
                                  reason_size))
                return -1;
            pos += sysex_length;
        } else {
            return fail(reason, reason_size,
                        "track %d has status byte 0x%02x, which does not belong in a MIDI file",
                        track, status);
        }
    }

    /* Every canonical track ends with exactly one end-of-track, also when the
     * original lacked it (a common slip of writers that does not make the
     * notes before it any less readable). */
    smf_bytes_put_vlq(out, carry);
    smf_bytes_put(out, "\xff\x2f\x00", 3);
    if (out->failed) return fail(reason, reason_size, "out of memory");
    uint32_t body = (uint32_t)(out->length - header_at - 8);
    for (int i = 0; i < 4; i++)
        out->bytes[header_at + 4 + i] = (uint8_t)(body >> (8 * (3 - i)));
    return 0;
}

int smf_check(const uint8_t *bytes, size_t size, uint8_t **clean, size_t *clean_size, char *reason,
              size_t reason_size)
{
    *clean = NULL;
    *clean_size = 0;
    if (size > SMF_CHECK_MAX_FILE)
        return fail(reason, reason_size, "file is larger than %u MiB", SMF_CHECK_MAX_FILE >> 20);
    if (size < 4 || memcmp(bytes, "MThd", 4) != 0)
        return fail(reason, reason_size, "not a MIDI file (no MThd header)");
    if (size < 14)
        return fail(reason, reason_size, "file ends inside the MThd header (%zu bytes)", size);
    uint32_t header_length = get_be(bytes + 4, 4);
    if (header_length < 6)
        return fail(reason, reason_size, "MThd header length is %u, at least 6 is needed",
                    header_length);
    if (header_length > size - 8)
        return fail(reason, reason_size, "MThd header length %u runs past the end of the file",
                    header_length);
    unsigned format = get_be(bytes + 8, 2);
    unsigned declared_tracks = get_be(bytes + 10, 2);
    unsigned division = get_be(bytes + 12, 2);
    if (format > 2) return fail(reason, reason_size, "unknown MIDI file format %u", format);
    if (format == 2)
        return fail(reason, reason_size,
                    "format 2 (independent sequences, no common timeline) is not supported");
    if (declared_tracks == 0) return fail(reason, reason_size, "MThd declares no tracks");
    if (division & 0x8000)
        return fail(reason, reason_size,
                    "SMPTE time division (frames per second, no beats) is not supported");
    if (division == 0)
        return fail(reason, reason_size, "time division is 0 ticks per quarter note");

    SmfBytes out = {0};
    smf_bytes_put(&out, "MThd", 4);
    smf_bytes_put_be(&out, 6, 4);
    smf_bytes_put_be(&out, format, 2);
    smf_bytes_put_be(&out, 0, 2); /* track count, patched below */
    smf_bytes_put_be(&out, division, 2);

    size_t pos = 8 + (size_t)header_length;
    unsigned tracks = 0;
    while (tracks < declared_tracks) {
        if (size - pos < 8) {
            free(out.bytes);
            return fail(reason, reason_size,
                        "file ends after %u of the %u tracks its header declares (truncated?)",
                        tracks, declared_tracks);
        }
        uint32_t chunk_length = get_be(bytes + pos + 4, 4);
        if (chunk_length > size - pos - 8) {
            free(out.bytes);
            return fail(reason, reason_size,
                        "chunk %u claims %u bytes but only %zu remain (truncated?)", tracks + 1,
                        chunk_length, size - pos - 8);
        }
        if (memcmp(bytes + pos, "MTrk", 4) == 0) {
            tracks++;
            if (check_track(bytes + pos + 8, chunk_length, (int)tracks, &out, reason,
                            reason_size) != 0) {
                free(out.bytes);
                return -1;
            }
        }
        /* Other ("alien") chunks are allowed by the specification and skipped. */
        pos += 8 + (size_t)chunk_length;
    }
    if (out.failed) {
        free(out.bytes);
        return fail(reason, reason_size, "out of memory");
    }
    out.bytes[10] = (uint8_t)(tracks >> 8);
    out.bytes[11] = (uint8_t)tracks;
    *clean = out.bytes;
    *clean_size = out.length;
    return 0;
}
