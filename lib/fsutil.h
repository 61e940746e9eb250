/* File helpers: whole-file reads, atomic writes, directory creation. */
#ifndef XVS_FSUTIL_H
#define XVS_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Reads at most "max_size" bytes of "path" into a new NUL-terminated buffer
 * that the caller frees.  Returns 0, -E2BIG when the file is larger, or a
 * negative errno from open/read. */
int fsu_read_file(const char *path, size_t max_size, char **data, size_t *len);

/* Replaces "path" atomically: writes "<path>.tmp.<pid>" in the same folder,
 * fsyncs it, renames it over "path" and fsyncs the folder, so a crash leaves
 * either the old or the new file, never a torn one.  The temporary file is
 * removed on failure.  Returns 0 or a negative errno. */
int fsu_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The same replacement without the fsyncs, for files a program regenerates on every run
 * (interface-reconfigure's ifcfg files): readers still see the old or the new file, but a
 * crash may lose the change.  Returns 0 or a negative errno. */
int fsu_replace(const char *path, const void *data, size_t len, mode_t mode);

/* Writes all "len" bytes of "data" to "fd", retrying short writes and
 * EINTR.  Returns 0 or a negative errno. */
int fsu_write_all(int fd, const void *data, size_t len);

/* Creates "path" and its missing parents (like mkdir -p).  0 or -errno. */
int fsu_mkdir_p(const char *path, mode_t mode);

#endif
