/* Replays a fuzz target's corpus without libFuzzer, so that make check runs
 * every saved input through the sanitizer build.  Arguments are files or
 * folders of files; each is passed to LLVMFuzzerTestOneInput() once. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, size_t *count)
{
    char *data;
    size_t len;
    int r = fsu_read_file(path, 16 << 20, &data, &len);

    if (r < 0) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
        return r;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    free(data);
    (*count)++;
    return 0;
}

static int replay_path(const char *path, size_t *count)
{
    struct dirent **names;
    struct stat st;
    int n, r = 0;

    if (stat(path, &st) < 0) {
        fprintf(stderr, "%s: no such corpus\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return replay_file(path, count);
    }
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && r == 0) {
            char sub[4096];

            snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
            r = replay_path(sub, count);
        }
        free(names[i]);
    }
    free(names);
    return r;
}

int main(int argc, char **argv)
{
    size_t count = 0;

    for (int i = 1; i < argc; i++) {
        if (replay_path(argv[i], &count) < 0) {
            return 1;
        }
    }
    if (count == 0) {
        fprintf(stderr, "no corpus inputs replayed\n");
        return 1;
    }
    printf("replayed %zu inputs\n", count);
    return 0;
}
