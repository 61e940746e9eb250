/* libFuzzer target for the network.dbcache reader and writer.
 *
 * Any input must either be refused cleanly or parse; whatever parses must
 * format, the formatted text must parse again, and formatting that second
 * parse must give the same bytes: the writer's output is a fixed point of
 * parse-then-format, which is what keeps a cache stable across rewrites. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbcache.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_dbcache: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool opened;
    struct dbcache db, again;
    char *first = NULL, *second = NULL;
    size_t first_len = 0, second_len = 0;

    if (!opened) {
        xlog_open("fuzz", false);
        opened = true;
    }
    if (dbcache_parse((const char *)data, size, &db) < 0) {
        return 0;
    }
    /* Everything the reader accepted is valid XML text with a ref, so only
     * running out of memory could make the writer fail. */
    fuzz_check(dbcache_format(&db, &first, &first_len) == 0, "format of a parsed cache failed");
    fuzz_check(dbcache_parse(first, first_len, &again) == 0, "formatted cache does not parse");
    fuzz_check(again.pifs.n == db.pifs.n && again.bonds.n == db.bonds.n &&
                       again.vlans.n == db.vlans.n && again.tunnels.n == db.tunnels.n &&
                       again.networks.n == db.networks.n && again.pools.n == db.pools.n,
               "record counts changed across a round trip");
    fuzz_check(dbcache_format(&again, &second, &second_len) == 0, "second format failed");
    fuzz_check(first_len == second_len && memcmp(first, second, first_len) == 0,
               "format(parse(format(x))) differs from format(x)");
    free(first);
    free(second);
    dbcache_clear(&db);
    dbcache_clear(&again);
    return 0;
}
