/* libFuzzer target for lib/jtext: on every input jtext_parse() must agree with
 * jansson's json_loadb() (flags 0), accepting and refusing the same texts
 * and building equal values, since it stands in for it on every JSON-RPC
 * message and journal record; and jtext_dump() must write back what it
 * built as json_dumps() does.  The one allowed difference (jtext.h): a
 * text holding a NUL byte jtext_parse() refuses, whatever jansson does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jtext.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[JTEXT_ERR_LEN];
    json_error_t jerr;
    json_t *ours = jtext_parse((const char *)data, size, err);
    json_t *ref = json_loadb((const char *)data, size, 0, &jerr);

    if (memchr(data, '\0', size)) {
        json_decref(ref);
        ref = NULL; /* jansson skips some NUL bytes; jtext_parse() refuses them. */
    }
    if (!ours != !ref || (ours && !json_equal(ours, ref))) {
        fprintf(stderr, "fuzz_jtext: jtext_parse() %s (%s), jansson %s (%s)\n",
                ours ? "accepts" : "refuses", ours ? "" : err, ref ? "accepts" : "refuses",
                ref ? "" : jerr.text);
        abort();
    }
    if (ours) {
        /* And what it built must be written back as jansson writes it. */
        struct sbuf text = SBUF_INIT;
        char *want = json_dumps(ours, JSON_COMPACT);
        if (!want || jtext_dump(ours, &text) || strcmp(text.data, want)) {
            fprintf(stderr, "fuzz_jtext: jtext_dump differs from json_dumps\n");
            abort();
        }
        free(want);
        sbuf_free(&text);
    }
    json_decref(ours);
    json_decref(ref);
    return 0;
}
