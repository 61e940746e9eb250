/* File helpers; see fsutil.h. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsu_read_file(const char *path, size_t max_size, char **data, size_t *len)
{
    size_t used = 0, size = 4096;
    char *buf = NULL;
    int fd, r = 0;

    *data = NULL;
    if (len) {
        *len = 0;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    buf = malloc(size);
    if (!buf) {
        r = -ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n;

        if (used + 1 >= size) {
            char *bigger;

            if (size > max_size + 1) {
                r = -E2BIG;
                goto out;
            }
            bigger = realloc(buf, size * 2);
            if (!bigger) {
                r = -ENOMEM;
                goto out;
            }
            buf = bigger;
            size *= 2;
        }
        n = read(fd, buf + used, size - used - 1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            r = -errno;
            goto out;
        }
        if (n == 0) {
            break;
        }
        used += (size_t)n;
        if (used > max_size) {
            r = -E2BIG;
            goto out;
        }
    }
    buf[used] = '\0';
    *data = buf;
    buf = NULL;
    if (len) {
        *len = used;
    }
out:
    free(buf);
    close(fd);
    return r;
}

int fsu_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsu_fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd, r = 0;

    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    if (fsync(fd) < 0) {
        r = -errno;
    }
    close(fd);
    return r;
}

/* Writes a temporary file beside path and renames it over path, with fsyncs when durable. */
static int replace_file(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
    char tmp[PATH_MAX];
    int fd, r;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        return -ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        return -errno;
    }
    r = fsu_write_all(fd, data, len);
    if (r == 0 && durable && fsync(fd) < 0) {
        r = -errno;
    }
    if (close(fd) < 0 && r == 0) {
        r = -errno;
    }
    if (r == 0 && rename(tmp, path) < 0) {
        r = -errno;
    }
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    return durable ? fsu_fsync_dir_of(path) : 0;
}

int fsu_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    return replace_file(path, data, len, mode, true);
}

int fsu_replace(const char *path, const void *data, size_t len, mode_t mode)
{
    return replace_file(path, data, len, mode, false);
}

int fsu_mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof buf) {
        return len ? -ENAMETOOLONG : -EINVAL;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST) {
            return -errno;
        }
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}
