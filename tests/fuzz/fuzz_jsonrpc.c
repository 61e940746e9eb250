/* libFuzzer target for the JSON-RPC message splitter and parser.
 *
 * The first input byte chooses a chunk size; the rest is the byte stream.
 * It is fed once whole and once in chunks into buffer-only connections, and
 * both must yield the same messages and end in the same state, since framing
 * must not depend on how reads split the stream.  Every message must be an
 * object, must survive the echo handler, and its compact serialisation must
 * split and parse back to an equal value. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_jsonrpc: %s\n", what);
        abort();
    }
}

/* Drains every complete message into "out" (up to max); returns the final
 * status (-EAGAIN or -EBADMSG). */
static int drain(struct jsonrpc *rpc, json_t **out, size_t max, size_t *n)
{
    json_t *msg;
    int r;

    while ((r = jsonrpc_recv(rpc, &msg)) == 0) {
        fuzz_check(json_is_object(msg), "message is not an object");
        jsonrpc_handle_echo(rpc, msg);
        fuzz_check(jsonrpc_flush(rpc) == 0, "flush of a buffer connection failed");
        if (*n < max) {
            out[(*n)++] = msg;
        } else {
            json_decref(msg);
        }
    }
    fuzz_check(r == -EAGAIN || r == -EBADMSG, "unexpected status");
    return r;
}

static void check_round_trip(const json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    struct jsonrpc *rpc = jsonrpc_new_buffer();
    json_t *back = NULL, *extra = NULL;

    fuzz_check(text && rpc, "out of memory");
    fuzz_check(jsonrpc_feed(rpc, text, strlen(text)) == 0, "feed failed");
    fuzz_check(jsonrpc_recv(rpc, &back) == 0, "serialised message does not parse");
    fuzz_check(json_equal(back, (json_t *)msg), "round trip changed the message");
    fuzz_check(jsonrpc_recv(rpc, &extra) == -EAGAIN, "serialised message split in two");
    json_decref(back);
    jsonrpc_free(rpc);
    free(text);
}

#define MAX_KEPT 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *whole[MAX_KEPT], *chunked[MAX_KEPT];
    size_t n_whole = 0, n_chunked = 0;
    int r_whole, r_chunked = -EAGAIN;

    if (size < 1) {
        return 0;
    }
    size_t chunk = (size_t)(data[0] % 17) + 1;

    data++;
    size--;

    struct jsonrpc *a = jsonrpc_new_buffer();
    struct jsonrpc *b = jsonrpc_new_buffer();

    fuzz_check(a && b, "out of memory");
    fuzz_check(jsonrpc_feed(a, data, size) == 0, "feed failed");
    r_whole = drain(a, whole, MAX_KEPT, &n_whole);

    for (size_t off = 0; off < size && r_chunked == -EAGAIN; off += chunk) {
        size_t len = size - off < chunk ? size - off : chunk;

        fuzz_check(jsonrpc_feed(b, data + off, len) == 0, "feed failed");
        r_chunked = drain(b, chunked, MAX_KEPT, &n_chunked);
    }
    fuzz_check(r_whole == r_chunked, "chunking changed the final status");
    fuzz_check(n_whole == n_chunked, "chunking changed the message count");
    for (size_t i = 0; i < n_whole; i++) {
        fuzz_check(json_equal(whole[i], chunked[i]), "chunking changed a message");
        check_round_trip(whole[i]);
        json_decref(whole[i]);
        json_decref(chunked[i]);
    }
    jsonrpc_free(a);
    jsonrpc_free(b);
    return 0;
}
