/* The HTTP side of xvs-xapi-sim (libmicrohttpd): XML-RPC over HTTP POST on
 * XAPI's unix socket and, optionally, on a TCP address.
 *
 * Listening sockets are created here (not by libmicrohttpd) so that they
 * exist, with clear errors, before the program detaches, and so that the
 * unix socket gets the same treatment as the TCP one: each is handed to
 * its own MHD daemon with MHD_OPTION_LISTEN_SOCKET.
 *
 * Threading: one thread.  Both daemons run in MHD's external epoll mode
 * and sim_http_run() drives them from a single poll() loop that also
 * watches a stop descriptor (a signalfd), so the store and the sessions
 * are never touched concurrently and need no lock.
 *
 * Requests: POST to any path (as XAPI, which ignores it for XML-RPC) with
 * a body of at most SIM_HTTP_MAX_BODY bytes (else 413), answered 200
 * text/xml; any other method gets 405. */
#ifndef XVS_SIM_HTTP_H
#define XVS_SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct sim_api;

#define SIM_HTTP_MAX_BODY ((size_t)64 << 20)

/* A parsed --listen address. */
struct sim_http_addr {
    struct sockaddr_storage ss;
    socklen_t len;
    bool loopback; /* 127.0.0.0/8 or ::1. */
};

/* Parses "IP:PORT" (IPv4) or "[IP]:PORT" (IPv6); PORT 0 picks a free one.
 * Returns 0 or -EINVAL. */
int sim_http_parse_addr(const char *text, struct sim_http_addr *out);

/* Writes the IPv4 or IPv6 address "sa" into "buf" (of "size" bytes) in the
 * form sim_http_parse_addr() reads. */
void sim_http_format_addr(const struct sockaddr *sa, char *buf, size_t size);

struct sim_http;

/* Creates the listening sockets: the unix socket at "unix_path" (parent
 * folders created; a stale socket replaced, a live one or a non-socket
 * file refused; mode 0660) and, when "tcp" is not NULL, a TCP socket.
 * Nothing is served until sim_http_start().  Errors are logged; returns 0
 * or a negative errno (-EADDRINUSE when another server answers there). */
int sim_http_listen(const char *unix_path, const struct sim_http_addr *tcp, struct sim_http **out);

/* Starts serving requests through "api" (borrowed).  Returns 0 or -EIO
 * (logged). */
int sim_http_start(struct sim_http *h, struct sim_api *api);

/* The bound TCP address (after sim_http_listen() with a TCP address). */
const struct sockaddr *sim_http_tcp_addr(const struct sim_http *h);

/* Serves until "stop_fd" becomes readable.  Returns 0, or a negative errno
 * when polling fails (logged). */
int sim_http_run(struct sim_http *h, int stop_fd);

/* Serves requests on the unix socket, one per connection, until
 * "done_fd" becomes readable: the sim_serve_fn (sim_ctx.h) with which the
 * API keeps answering the programs it runs while it waits for them.
 * "arg" is the struct sim_http.  Returns 0 or a negative errno. */
int sim_http_serve_nested(void *arg, int done_fd);

/* Stops the daemons, closes the sockets and, when "unlink_socket" is true,
 * removes the unix socket file.  Accepts NULL.  A child that inherited the
 * sockets but never served passes false, so the parent's socket stays. */
void sim_http_close(struct sim_http *h, bool unlink_socket);

#endif
