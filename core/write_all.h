/* Writing a whole buffer to a file descriptor, the one loop every writer of
 * files shares (model files, checkpoints, rewritten headers).
 *
 * Real-time class: file I/O. Never on the audio thread. */
#ifndef CANTUS_WRITE_ALL_H
#define CANTUS_WRITE_ALL_H

#include <stddef.h>

/* Writes size bytes of data to fd, carrying on after a signal and after a
 * short write. Returns 0, or -1 with errno set (EIO where write wrote
 * nothing and said no error). */
int cantus_write_all(int fd, const void *data, size_t size);

#endif
