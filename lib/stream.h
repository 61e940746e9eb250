/* OVS-style remote names: "unix:PATH", "tcp:IP:PORT" (active) and
 * "punix:PATH", "ptcp:PORT[:IP]" (passive), as ovsdb-server and ovs-vsctl
 * accept them.  Only sockets are handled here; framing is jsonrpc's job. */
#ifndef XVS_STREAM_H
#define XVS_STREAM_H

#include <stdbool.h>

/* Active: "unix:PATH", "tcp:IP:PORT" ([IPv6]:PORT ok).  Blocking connect with
 * timeout_ms (<0 = no limit), then the fd is set O_NONBLOCK|O_CLOEXEC.
 * Returns fd >= 0 (owned by the caller) or -errno (-EINVAL bad name,
 * -ETIMEDOUT, -ECONNREFUSED, -ENOENT...). */
int stream_connect(const char *name, int timeout_ms);

/* Passive: "punix:PATH" (removes a stale socket, chmod 0660), "ptcp:PORT[:IP]"
 * (IP default 127.0.0.1: loopback unless an IP is given).  Returns a
 * listening fd (nonblocking, close-on-exec, owned by the caller) or -errno
 * (-EINVAL bad name, -EADDRINUSE...). */
int stream_listen(const char *name);

/* True if "name" starts with "punix:" or "ptcp:". */
bool stream_is_passive(const char *name);

/* For ptcp:0, the port actually bound: the local port of a TCP socket fd.
 * Returns the port (> 0) or -errno (-EAFNOSUPPORT for a non-TCP socket). */
int stream_local_port(int fd);

#endif
