#!/usr/bin/env bash
# Integration test of xvs-xenstored: the daemon runs detached in a temporary
# root, Debian's xenstore-* tools (libxenstore, via XENSTORED_PATH) and a raw
# wire-protocol client in python3 talk to it.  Prints PASS:/FAIL:/SKIP: lines.
#
# Env: XVS_BIN (folder with xvs-xenstored; default build/bin).
set -u

src=${XVS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${XVS_BIN:-$src/build/bin}
xsd=$bin/xvs-xenstored
tmp=
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; failed=1; }
skip() { echo "SKIP: $1: $2"; }

# shellcheck disable=SC2317 # Called by the EXIT trap.
cleanup() {
    if [ -n "$tmp" ]; then
        [ -f "$tmp/pid" ] && kill "$(cat "$tmp/pid")" 2>/dev/null
        rm -rf "$tmp"
    fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$xsd" ]; then
    fail xenstored "no xvs-xenstored binary in $bin (set XVS_BIN)"
    exit 1
fi
tmp=$(mktemp -d /tmp/xvs-xsd.XXXXXX)
sock=$tmp/var/run/xenstored/socket
guest=$tmp/guest7.sock

# Startup: --detach returns once listening, with the pidfile written.
if "$xsd" --root-prefix "$tmp" --detach --no-syslog --pidfile "$tmp/pid" \
    --guest-socket "7:$guest" --entry-quota 20 2>"$tmp/daemon.log" &&
    [ -S "$sock" ] && [ -S "$guest" ] && kill -0 "$(cat "$tmp/pid")" 2>/dev/null; then
    pass xenstored-start
else
    fail xenstored-start "daemon did not start: $(cat "$tmp/daemon.log")"
    exit 1
fi

# The raw protocol client: sends each request given as "TYPE TX ARG..." lines
# and prints the replies, so the test sees exact error strings.
cat >"$tmp/xsclient.py" <<'PY'
import socket, struct, sys

TYPES = {"DIRECTORY": 1, "READ": 2, "GET_PERMS": 3, "WATCH": 4, "TRANSACTION_START": 6,
         "TRANSACTION_END": 7, "WRITE": 11, "MKDIR": 12, "RM": 13, "SET_PERMS": 14,
         "ERROR": 16, "IS_DOMAIN_INTRODUCED": 17, "GET_DOMAIN_PATH": 10}
NAMES = {v: k for k, v in TYPES.items()}
NAMES[15] = "WATCH_EVENT"

class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(3)
        self.s.connect(path)
        self.req = 0

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed")
            buf += chunk
        return buf

    def call(self, typ, tx, payload):
        self.req += 1
        self.s.sendall(struct.pack("=IIII", TYPES[typ], self.req, tx, len(payload)) + payload)
        while True:
            t, rid, _, ln = struct.unpack("=IIII", self.recv_exact(16))
            body = self.recv_exact(ln)
            if t != 15:
                return NAMES.get(t, str(t)), body

def strs(*a):
    return b"".join(x.encode() + b"\0" for x in a)

def conflict(path):
    a, b = Conn(path), Conn(path)
    print(a.call("WRITE", 0, b"/txn\0v0"))
    t, body = a.call("TRANSACTION_START", 0, b"\0")
    tx = int(body.rstrip(b"\0"))
    print(a.call("READ", tx, strs("/txn")))
    print(b.call("WRITE", 0, b"/txn\0v1"))
    print(a.call("WRITE", tx, b"/txn\0v2"))
    print("END", a.call("TRANSACTION_END", tx, strs("T")))
    print("AFTER", b.call("READ", 0, strs("/txn")))
    t, body = a.call("TRANSACTION_START", 0, b"\0")
    tx = int(body.rstrip(b"\0"))
    print(a.call("READ", tx, strs("/txn")))
    print(a.call("WRITE", tx, b"/txn\0v3"))
    print(b.call("WRITE", 0, b"/other\0x"))
    print("END2", a.call("TRANSACTION_END", tx, strs("T")))
    print("AFTER2", b.call("READ", 0, strs("/txn")))

def guest(path, dom0_path):
    print("SETUP", Conn(dom0_path).call("WRITE", 0, b"/tool/dom0only\0secret"))
    g = Conn(path)
    print("W", g.call("WRITE", 0, b"/tool/secret\0x"))
    print("R", g.call("READ", 0, strs("/tool/dom0only")))
    print("H", g.call("WRITE", 0, b"data/mine\0ok"))
    print("HR", g.call("READ", 0, strs("/local/domain/7/data/mine")))
    # The daemon runs with --entry-quota 20: the guest owns its home and
    # data/mine, so the 19th new node is refused.
    for i in range(30):
        t, body = g.call("WRITE", 0, ("q%d\0x" % i).encode())
        if t == "ERROR":
            print("QUOTA", i, body)
            break

def malformed(path):
    c = Conn(path)
    c.s.sendall(struct.pack("=IIII", 2, 1, 0, 100000))
    try:
        c.recv_exact(1)
        print("NOT CLOSED")
    except EOFError:
        print("CLOSED")
    d = Conn(path)
    print("ALIVE", d.call("READ", 0, strs("/txn")))

{"conflict": conflict, "guest": guest, "malformed": malformed}[sys.argv[1]](*sys.argv[2:])
PY

have_py=1
command -v python3 >/dev/null || have_py=0

if ! command -v xenstore-write >/dev/null || ! command -v xenstore-watch >/dev/null; then
    for c in xenstore-rw xenstore-ls xenstore-rm xenstore-exists xenstore-chmod xenstore-ls-large \
        xenstore-watch; do
        skip "$c" "xenstore-utils is not installed"
    done
else
    export XENSTORED_PATH=$sock
    x() { timeout 5 "$@"; }

    if x xenstore-write /vm/a/b hello /vm/a/c world && [ "$(x xenstore-read /vm/a/b)" = hello ] &&
        [ "$(x xenstore-read vm-rel 2>&1)" != hello ] && x xenstore-write rel value &&
        [ "$(x xenstore-read /local/domain/0/rel)" = value ]; then
        pass xenstore-rw
    else
        fail xenstore-rw "write/read round trip failed"
    fi

    out=$(x xenstore-ls /vm)
    if [ "$out" = "$(printf 'a = ""\n b = "hello"\n c = "world"')" ]; then
        pass xenstore-ls
    else
        fail xenstore-ls "unexpected listing: $out"
    fi

    if x xenstore-exists /vm/a/c && ! x xenstore-exists /vm/nope && x xenstore-rm /vm/a/c &&
        ! x xenstore-exists /vm/a/c && ! x xenstore-read /vm/a/c 2>/dev/null; then
        pass xenstore-rm
    else
        fail xenstore-rm "exists/rm did not behave"
    fi
    if x xenstore-exists /vm/a/b && [ "$(x xenstore-ls /vm/a)" = 'b = "hello"' ]; then
        pass xenstore-exists
    else
        fail xenstore-exists "sibling of the removed key is gone"
    fi

    # Permissions: dom0 makes a node readable by domain 7 only.
    x xenstore-write /shared/ro data /tool/dom0only secret
    if x xenstore-chmod /shared/ro n0 r7 && out=$(x xenstore-ls -p /shared) &&
        [[ $out == *'(n0,r7)'* ]] &&
        [ "$(XENSTORED_PATH=$guest x xenstore-read /shared/ro)" = data ] &&
        ! XENSTORED_PATH=$guest x xenstore-write /shared/ro changed 2>/dev/null &&
        ! XENSTORED_PATH=$guest x xenstore-read /tool/dom0only 2>/dev/null &&
        [ "$(x xenstore-read /shared/ro)" = data ]; then
        pass xenstore-chmod
    else
        fail xenstore-chmod "guest access did not follow the permissions: $out"
    fi

    # A directory too long for one reply comes in parts (DIRECTORY_PART).
    args=()
    for i in $(seq 300); do args+=("/big/a-child-with-a-rather-long-name-$i" "$i"); done
    if x xenstore-write "${args[@]}" && [ "$(x xenstore-ls /big | wc -l)" = 300 ] &&
        [ "$(x xenstore-read /big/a-child-with-a-rather-long-name-300)" = 300 ]; then
        pass xenstore-ls-large
    else
        fail xenstore-ls-large "300 children did not list"
    fi

    # A watch fires once at once, then for each change below its path.
    x xenstore-watch -n 3 /w >"$tmp/watch.out" 2>&1 &
    wpid=$!
    # Change nothing before the watch is registered (its first event shown).
    for _ in $(seq 50); do
        [ -s "$tmp/watch.out" ] && break
        sleep 0.1
    done
    x xenstore-write /w/x 1
    x xenstore-rm /w
    wait "$wpid"
    out=$(tr '\n' ' ' <"$tmp/watch.out")
    if [ "$out" = "/w /w/x /w " ]; then
        pass xenstore-watch
    else
        fail xenstore-watch "events were: $out"
    fi
fi

if [ "$have_py" = 1 ]; then
    out=$(timeout 10 python3 "$tmp/xsclient.py" conflict "$sock" 2>&1)
    if grep -q "^END ('ERROR', b'EAGAIN\\\\x00')" <<<"$out" &&
        grep -q "^AFTER ('READ', b'v1')" <<<"$out" &&
        grep -q "^END2 ('TRANSACTION_END', b'OK\\\\x00')" <<<"$out" &&
        grep -q "^AFTER2 ('READ', b'v3')" <<<"$out"; then
        pass xenstored-txn-conflict
    else
        fail xenstored-txn-conflict "$(tr '\n' '|' <<<"$out")"
    fi

    out=$(timeout 10 python3 "$tmp/xsclient.py" guest "$guest" "$sock" 2>&1)
    if grep -q "^W ('ERROR', b'EACCES\\\\x00')" <<<"$out" &&
        grep -q "^R ('ERROR', b'EACCES\\\\x00')" <<<"$out" &&
        grep -q "^HR ('READ', b'ok')" <<<"$out" &&
        grep -q "^QUOTA 17 b'ENOSPC\\\\x00'" <<<"$out"; then
        pass xenstored-guest-eacces
    else
        fail xenstored-guest-eacces "$(tr '\n' '|' <<<"$out")"
    fi

    out=$(timeout 10 python3 "$tmp/xsclient.py" malformed "$sock" 2>&1)
    if grep -q '^CLOSED' <<<"$out" && grep -q "^ALIVE ('READ'" <<<"$out" &&
        grep -q 'Malformed message' "$tmp/daemon.log"; then
        pass xenstored-malformed
    else
        fail xenstored-malformed "$(tr '\n' '|' <<<"$out")"
    fi
else
    for c in xenstored-txn-conflict xenstored-guest-eacces xenstored-malformed; do
        skip "$c" "python3 is not installed"
    done
fi

# SIGTERM: clean shutdown removes the sockets and the pidfile.
pid=$(cat "$tmp/pid")
kill "$pid"
for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if ! kill -0 "$pid" 2>/dev/null && [ ! -e "$sock" ] && [ ! -e "$guest" ] && [ ! -e "$tmp/pid" ]; then
    pass xenstored-sigterm
else
    fail xenstored-sigterm "daemon still running or left files behind"
fi
exit "$failed"
