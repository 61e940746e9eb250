/* One JSON-RPC 1.0 connection as OVSDB uses it (RFC 7047 §4): JSON values
 * back to back on a byte stream, with no delimiters between them.
 *
 * The connection is nonblocking: jsonrpc_recv() and jsonrpc_flush() never
 * wait, so daemons drive them from an event loop; jsonrpc_call() is a blocking
 * helper for simple clients. */
#ifndef XVS_JSONRPC_H
#define XVS_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest message accepted; a bigger one makes the connection unusable. */
#define JSONRPC_MAX_MSG (64u * 1024 * 1024)

struct jsonrpc;

/* Wraps "fd" (takes ownership; it should be nonblocking, jsonrpc_call() copes
 * either way).  Returns NULL for fd < 0 or on allocation failure (the fd is
 * then closed). */
struct jsonrpc *jsonrpc_new(int fd);

/* Closes the fd and frees everything queued.  NULL is fine. */
void jsonrpc_free(struct jsonrpc *rpc);

/* The connection's fd, for poll(2). */
int jsonrpc_fd(const struct jsonrpc *rpc);

/* Reads what is available and returns one complete message: 0 with *msg (a
 * new reference the caller json_decref's), -EAGAIN when no complete message
 * yet, -EPIPE on EOF, -EBADMSG on invalid JSON, a top-level value that is not
 * an object, or a message over JSONRPC_MAX_MSG (the connection is then
 * unusable and every later call fails the same way), or another -errno from
 * read(2).  Call again until -EAGAIN: several messages may be buffered. */
int jsonrpc_recv(struct jsonrpc *rpc, json_t **msg);

/* Queues msg (borrowed) compactly serialised; then tries to write.  Returns 0
 * (possibly with bytes still queued: see jsonrpc_want_write()) or -errno
 * (-ENOMEM, -EPIPE, -EINVAL if msg cannot be serialised). */
int jsonrpc_send(struct jsonrpc *rpc, const json_t *msg);

/* Writes queued bytes.  Returns 0 when all are written, -EAGAIN when more are
 * pending, or -errno on a write error. */
int jsonrpc_flush(struct jsonrpc *rpc);

/* True while bytes are queued for writing (watch POLLOUT). */
bool jsonrpc_want_write(const struct jsonrpc *rpc);

/* Blocking helper for simple clients: sends "request" (borrowed; it must have
 * an "id"; if its id is null or missing an internal counter supplies one),
 * waits up to timeout_ms (<0 = forever) for the reply with the same id,
 * answering "echo" requests meanwhile and dropping notifications (or passing
 * them to the jsonrpc_set_notify_cb() callback).  Returns 0 with *reply (new
 * reference: the whole reply object, whose "error" may be non-null), or
 * -ETIMEDOUT, -EPIPE, -EBADMSG, -errno. */
int jsonrpc_call(struct jsonrpc *rpc, const json_t *request, json_t **reply, int timeout_ms);

/* Sets the callback that jsonrpc_call() hands notifications and requests
 * other than echo to (msg is borrowed for the call).  cb NULL drops them. */
void jsonrpc_set_notify_cb(struct jsonrpc *rpc, void (*cb)(const json_t *msg, void *arg),
                           void *arg);

/* If "msg" is an echo request, queues its reply and returns true. */
bool jsonrpc_handle_echo(struct jsonrpc *rpc, const json_t *msg);

/* Message builders; each returns a new reference or NULL on allocation
 * failure (stolen arguments are released even then).  params NULL means an
 * empty array, id NULL means json null. */
json_t *jsonrpc_request(const char *method, json_t *params /*stolen*/, json_t *id /*stolen*/);
json_t *jsonrpc_notification(const char *method, json_t *params /*stolen*/);
json_t *jsonrpc_reply(json_t *result /*stolen*/, const json_t *id);
json_t *jsonrpc_error_reply(json_t *error /*stolen*/, const json_t *id);

/* One line describing why the connection broke (invalid JSON, oversize,
 * EOF, write error), or "" while it is healthy.  Borrowed. */
const char *jsonrpc_last_error(const struct jsonrpc *rpc);

/* For tests and fuzzing: a splitter without a socket.  jsonrpc_new_buffer()
 * makes a connection with no fd; jsonrpc_feed() appends received bytes as if
 * read(2) returned them; jsonrpc_recv() then returns the messages (-EAGAIN
 * when it needs more, never -EPIPE).  Returns NULL / 0 or -ENOMEM. */
struct jsonrpc *jsonrpc_new_buffer(void);
int jsonrpc_feed(struct jsonrpc *rpc, const void *data, size_t len);

#endif
