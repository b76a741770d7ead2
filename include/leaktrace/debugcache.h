/* debugcache: uncompressed copies of separate debug files, by build id.
 *
 * Debian's debug packages (libc6-dbg...) ship their DWARF zlib-compressed,
 * and libdw inflates whole sections the first time it looks one address
 * up: ~30 ms of every run for libc alone, most of the time of a short
 * program's run.  The first run that needs such a file writes a copy with
 * the sections inflated to $LEAKTRACE_CACHE_DIR (default
 * $XDG_CACHE_HOME/leaktrace, else ~/.cache/leaktrace); later runs read the
 * copy, which the page cache serves.  LEAKTRACE_CACHE_DIR set but empty
 * turns the cache off; so does a directory that is a symlink, is not ours,
 * or that others can write. */
#ifndef LEAKTRACE_DEBUGCACHE_H
#define LEAKTRACE_DEBUGCACHE_H

#include <stddef.h>
#include <stdint.h>

/* The cache directory: its path in out and an open descriptor of it, made
 * (0700) if missing and its parent is ours; -1 when there is no usable one. */
int debugcache_dir(char *out, size_t len);

/* An open descriptor of the cached copy for this build id, its path in
 * *path (freed and replaced), or -1 when there is none (or it is damaged:
 * it is then removed). */
int debugcache_open(const unsigned char *id, size_t id_len, char **path);

/* Makes the copy of the debug file at path for this build id, if it has
 * compressed sections; for the next run, as libdwfl already holds the file
 * in this one.  Failures leave no copy and are otherwise silent. */
void debugcache_store(const char *path, const unsigned char *id, size_t id_len);

#endif
