/* Root-prefix path resolution; see paths.h. */
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char paths_prefix[PATH_MAX];
static bool paths_ready;

int paths_init(const char *root)
{
    size_t len;

    if (!root || !*root) {
        root = getenv("XVS_ROOT");
    }
    if (!root || !*root) {
        root = "/";
    }
    if (root[0] != '/') {
        return -EINVAL;
    }
    len = strlen(root);
    if (len >= sizeof paths_prefix) {
        return -ENAMETOOLONG;
    }
    /* Trailing slashes are dropped so that joining with an absolute path
     * never yields "//". */
    while (len > 0 && root[len - 1] == '/') {
        len--;
    }
    memcpy(paths_prefix, root, len);
    paths_prefix[len] = '\0';
    paths_ready = true;
    return 0;
}

const char *paths_root(void)
{
    if (!paths_ready && paths_init(NULL) < 0) {
        /* A relative XVS_ROOT is ignored rather than applied half-way. */
        paths_prefix[0] = '\0';
        paths_ready = true;
    }
    return paths_prefix;
}

char *paths_get(const char *path)
{
    const char *root = paths_root();
    size_t size = strlen(root) + strlen(path) + 2;
    char *out = malloc(size);

    if (!out) {
        return NULL;
    }
    snprintf(out, size, "%s%s%s", root, path[0] == '/' ? "" : "/", path);
    return out;
}
