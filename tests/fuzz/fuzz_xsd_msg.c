/* libFuzzer target for xvs-xenstored's message handling.
 *
 * The input is a byte stream a client sends: it is framed by xsd_msg_parse()
 * (every complete frame's strings split as the server would), then fed to a
 * real server over a socketpair, with the stream's end as a hangup.  Whatever
 * the bytes, the server must answer only with well-formed frames and must
 * end up closing the connection, never crash or leak.
 *
 * The Makefile links fuzz targets with libxvs and libxapi only, so the
 * xenstored modules are compiled into this file. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsd_proto.h"
#include "xsd_server.h"
#include "log.h"
#include "xsd_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_xsd_msg: %s\n", what);
        abort();
    }
}

/* Frames the input the way a connection does, splitting each payload. */
static void frame_only(const uint8_t *data, size_t size)
{
    static const char *argv[XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg hdr;
    const char *payload;
    size_t off = 0, argc, i;
    int rc;

    while ((rc = xsd_msg_parse(data + off, size - off, &hdr, &payload)) == 1) {
        if (xsd_split_strings(payload, hdr.len, argv, XENSTORE_PAYLOAD_MAX, &argc) == 0) {
            fuzz_check(argc >= 1 && argc <= hdr.len, "bad string count");
            for (i = 0; i < argc; i++) {
                fuzz_check(argv[i] >= payload && argv[i] < payload + hdr.len, "bad pointer");
            }
        }
        off += XSD_HDR_LEN + hdr.len;
    }
    fuzz_check(off <= size, "parser overran the input");
}

/* Checks every reply frame the server sent and returns the bytes left over
 * (an incomplete frame) at the start of "buf". */
static size_t check_replies(unsigned char *buf, size_t len)
{
    struct xsd_sockmsg hdr;
    const char *payload;
    size_t off = 0;
    int rc;

    while ((rc = xsd_msg_parse(buf + off, len - off, &hdr, &payload)) == 1) {
        off += XSD_HDR_LEN + hdr.len;
    }
    fuzz_check(rc == 0, "server sent a malformed frame");
    memmove(buf, buf + off, len - off);
    return len - off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char replies[XSD_MSG_MAX * 4];
    struct xsd_server *srv = NULL;
    size_t sent = 0, have = 0;
    int sv[2], round;
    ssize_t n;

    xlog_set_level(XLOG_ERR);
    frame_only(data, size);
    fuzz_check(xsd_server_new(50, 8, &srv) == 0, "cannot create a server");
    fuzz_check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");
    /* Odd first bytes act as a guest, to exercise permission checks. */
    fuzz_check(xsd_server_add_client(srv, sv[0], size && (data[0] & 1) ? 3 : 0) == 0,
               "cannot add the client");
    for (round = 0; round < 100000 && xsd_server_nclients(srv) > 0; round++) {
        if (sent < size) {
            n = send(sv[1], data + sent, size - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += (size_t)n;
            }
            if (sent == size) {
                shutdown(sv[1], SHUT_WR);
            }
        } else if (size == 0 && round == 0) {
            shutdown(sv[1], SHUT_WR);
        }
        fuzz_check(xsd_server_run_once(srv, -1, 0) >= 0, "poll failed");
        while ((n = recv(sv[1], replies + have, sizeof(replies) - have, 0)) > 0) {
            have = check_replies(replies, have + (size_t)n);
        }
    }
    fuzz_check(xsd_server_nclients(srv) == 0, "the server never closed the connection");
    close(sv[1]);
    xsd_server_free(srv);
    return 0;
}
