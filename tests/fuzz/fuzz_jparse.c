/* libFuzzer target for lib/jparse: on every input it must agree with
 * jansson's json_loadb() (flags 0), accepting and refusing the same texts
 * and building equal values, since it stands in for it on every JSON-RPC
 * message and journal record.  The one allowed difference (jparse.h): a
 * text holding a NUL byte jparse refuses, whatever jansson does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[JPARSE_ERR_LEN];
    json_error_t jerr;
    json_t *ours = jparse((const char *)data, size, err);
    json_t *ref = json_loadb((const char *)data, size, 0, &jerr);

    if (memchr(data, '\0', size)) {
        json_decref(ref);
        ref = NULL; /* jansson skips some NUL bytes; jparse refuses them. */
    }
    if (!ours != !ref || (ours && !json_equal(ours, ref))) {
        fprintf(stderr, "fuzz_jparse: jparse %s (%s), jansson %s (%s)\n",
                ours ? "accepts" : "refuses", ours ? "" : err, ref ? "accepts" : "refuses",
                ref ? "" : jerr.text);
        abort();
    }
    json_decref(ours);
    json_decref(ref);
    return 0;
}
