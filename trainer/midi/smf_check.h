/* Checking a Standard MIDI File before libsmf sees it.
 *
 * Debian's libsmf 1.3 trusts the lengths it reads: a truncated or corrupt
 * file makes it read past its buffer or trip an assert(). So every byte is
 * walked here first: the MThd fields, every chunk's length against the end
 * of the file, and every event of every MTrk chunk (each variable-length
 * quantity, running status, each message's length against the chunk's end,
 * end-of-track). What passes is re-encoded into a canonical copy that holds
 * only what libsmf parses safely and the reader needs: channel messages with
 * explicit status bytes, and the meta events track name, instrument name,
 * tempo, time signature and end-of-track (sysex, other meta events and alien
 * chunks are dropped, their delta times carried over to the next event).
 */
#ifndef CANTUS_SMF_CHECK_H
#define CANTUS_SMF_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Files larger than this are refused before anything is parsed. */
#define SMF_CHECK_MAX_FILE (64u << 20)

/* Checks `size` bytes. On success returns 0 and a malloc'd canonical copy in
 * *clean (its length in *clean_size; free() it). On failure returns -1 and
 * writes one short reason (no file name, no newline) into reason. */
int smf_check(const uint8_t *bytes, size_t size, uint8_t **clean, size_t *clean_size, char *reason,
              size_t reason_size);

#endif
