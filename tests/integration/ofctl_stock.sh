#!/bin/sh
# xvs-ofctl against Debian's stock Open vSwitch, with stock ovs-ofctl as the
# reference: the same flows go to bridge A through xvs-ofctl and to bridge B
# through ovs-ofctl, and ovs-ofctl must dump both bridges alike; xvs-ofctl must
# dump what ovs-ofctl dumps; deletes by cookie and strict deletes remove the
# same flows; flows the switch refuses and flows that do not parse exit 1;
# port names resolve as ovs-ofctl resolves them and show lists the same ports.
# Env: XVS_SRC (repo root), XVS_BIN (directory holding xvs-ofctl).

SRC=${XVS_SRC:-.}
BIN=${XVS_BIN:-$SRC/build/bin}
XVS=$BIN/xvs-ofctl
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema

for tool in ovsdb-server ovsdb-tool ovs-vswitchd ovs-vsctl ovs-ofctl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: ofctl_stock: $tool not installed"
        exit 0
    fi
done
if [ ! -f "$SCHEMA" ]; then
    echo "SKIP: ofctl_stock: $SCHEMA missing"
    exit 0
fi
if [ ! -x "$XVS" ]; then
    echo "FAIL: ofctl_stock: $XVS not built"
    exit 0
fi

# The userspace datapath creates a tap device named ovs-netdev, one per network namespace, so
# a private namespace keeps us clear of any other Open vSwitch on this machine.
if [ -z "$OFCTL_STOCK_NS" ] && command -v unshare >/dev/null 2>&1 &&
    unshare -n true 2>/dev/null; then
    OFCTL_STOCK_NS=1 exec unshare -n sh "$0" "$@"
fi

TMP=$(mktemp -d /tmp/xvs-ofctl-test.XXXXXX)
export OVS_RUNDIR="$TMP" OVS_DBDIR="$TMP" OVS_LOGDIR="$TMP"

cleanup() {
    for p in ovs-vswitchd ovsdb-server; do
        if [ -f "$TMP/$p.pid" ]; then
            kill "$(cat "$TMP/$p.pid")" 2>/dev/null
        fi
    done
    # Give them a moment to go before their directory does.
    sleep 0.2
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

VSCTL() { ovs-vsctl --db=unix:"$TMP/db.sock" --timeout=20 "$@"; }
OFC() { ovs-ofctl -O OpenFlow13 --timeout=20 "$@"; }
XOFC() { "$XVS" -O OpenFlow13 --timeout=20 "$@"; }

if ! (ovsdb-tool create "$TMP/conf.db" "$SCHEMA" &&
    ovsdb-server "$TMP/conf.db" --remote=punix:"$TMP/db.sock" --pidfile="$TMP/ovsdb-server.pid" \
        --detach --no-chdir --log-file="$TMP/ovsdb-server.log" &&
    VSCTL --no-wait init &&
    ovs-vswitchd unix:"$TMP/db.sock" --pidfile="$TMP/ovs-vswitchd.pid" --detach --no-chdir \
        --log-file="$TMP/ovs-vswitchd.log") >"$TMP/start.log" 2>&1; then
    echo "FAIL: ofctl_stock: cannot start stock Open vSwitch: $(tail -c 300 "$TMP/start.log" | tr '\n' '|')"
    exit 0
fi
if ! VSCTL add-br brA -- set bridge brA datapath_type=netdev \
    -- add-br brB -- set bridge brB datapath_type=netdev >>"$TMP/start.log" 2>&1; then
    echo "FAIL: ofctl_stock: cannot create bridges: $(tail -c 300 "$TMP/start.log" | tr '\n' '|')"
    exit 0
fi
i=0
while [ ! -S "$TMP/brA.mgmt" ] || [ ! -S "$TMP/brB.mgmt" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
        echo "FAIL: ofctl_stock: no management sockets: $(grep -m3 ERR "$TMP/ovs-vswitchd.log" | tr '\n' '|')"
        exit 0
    fi
    sleep 0.1
done

# Drops the changing parts of a dump (durations, the header's xid) and sorts the flows: the
# switch returns them in its own order.
norm() {
    sed -e 's/duration=[0-9.]*s, //' -e 's/ (xid=0x[0-9a-f]*)//' | sort
}

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

# Compares two files, reporting the first differences.
same() { # NAME A B
    if cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1" "$(diff "$2" "$3" | head -c 600 | tr '\n' '|')"
    fi
}

# Spec section 3.1's locked-VIF rules (ofport 5, IPv4 10.0.0.5, IPv6 fe80:: and 2001:db8::5),
# then flows with every other keyword form the rules and management flows use.
M=fe:ff:ff:ff:ff:ff
{
    echo "# locked VIF, as setup-vif-rules writes the rules"
    echo "cookie=1,in_port=5,priority=8000,dl_type=0x0800,nw_proto=0x11,tp_dst=67,dl_src=$M,idle_timeout=0,action=normal"
    echo "cookie=1,in_port=5,priority=7000,dl_type=0x0806,dl_src=$M,arp_sha=$M,nw_src=0.0.0.0,idle_timeout=0,action=normal"
    echo "cookie=1,in_port=5,priority=7000,dl_type=0x0806,dl_src=$M,arp_sha=$M,nw_src=10.0.0.5,idle_timeout=0,action=normal"
    echo "cookie=1,in_port=5,priority=6000,dl_type=0x0800,nw_src=10.0.0.5,dl_src=$M,idle_timeout=0,action=normal"
    echo
    for B in fe80::fcff:ffff:feff:ffff 2001:db8::5; do
        echo "cookie=1,in_port=5,priority=8000,dl_src=$M,icmp6,ipv6_src=$B,icmp_type=135,nd_sll=$M,idle_timeout=0,action=normal"
        echo "cookie=1,in_port=5,priority=8000,dl_src=$M,icmp6,ipv6_src=$B,icmp_type=136,nd_target=$B,idle_timeout=0,action=normal"
        for p in icmp6 tcp6 udp6; do
            echo "cookie=1,in_port=5,priority=5000,dl_src=$M,ipv6_src=$B,$p,action=normal"
        done
    done
    echo "cookie=1,in_port=5,priority=7000,icmp6,icmp_type=135,action=drop"
    echo "cookie=1,in_port=5,priority=7000,icmp6,icmp_type=136,action=drop"
    for T in 134 137 146 147 151 152 153; do
        echo "cookie=1,in_port=5,priority=6000,icmp6,icmp_type=$T,action=drop"
    done
    echo "cookie=1,in_port=5,priority=4000,idle_timeout=0,action=drop  # the catch-all"
    echo "cookie=2,in_port=5,priority=100,action=normal"
    echo "cookie=1,in_port=6,priority=7000,arp,arp_spa=10.0.0.6,arp_op=1,action=normal"
    echo "cookie=0x1234,priority=100,tcp,nw_dst=192.168.1.0/24,tp_src=80,actions=output:3,LOCAL,controller:100"
    echo "priority=90,arp,arp_tpa=1.2.3.4,arp_tha=00:11:22:33:44:55/ff:ff:ff:00:00:00,actions=in_port"
    echo "priority=90,icmp,icmp_type=8,icmp_code=0,nw_src=1.2.3.0/255.255.255.0,actions=flood,all"
    echo "priority=90,udp6,ipv6_dst=2001:db8::/32,tp_dst=53,idle_timeout=300,hard_timeout=600,actions=controller"
    echo "priority=90,dl_vlan=10,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=drop"
    echo "table=1,priority=90,ip,nw_proto=6,nw_tos=32,actions=normal"
    echo "send_flow_rem,priority=91,icmp6,icmp_type=136,nd_target=2001:db8::1,nd_tll=00:11:22:33:44:55,actions=normal"
    echo "priority=92,dl_vlan_pcp=3,eth_src=00:00:5e:00:53:01,actions=local"
    echo "priority=0,actions=normal"
} >"$TMP/flows"

# 1. add-flows: one batch through xvs-ofctl equals ovs-ofctl's result.
if XOFC add-flows brA "$TMP/flows" 2>"$TMP/err"; then
    OFC add-flows brB "$TMP/flows"
    OFC dump-flows brA | norm >"$TMP/a"
    OFC dump-flows brB | norm >"$TMP/b"
    if [ "$(wc -l <"$TMP/b")" -lt 30 ]; then
        fail add_flows_equal "ovs-ofctl installed only $(wc -l <"$TMP/b") lines"
    else
        same add_flows_equal "$TMP/b" "$TMP/a"
    fi
else
    fail add_flows_equal "exit $?: $(head -c 300 "$TMP/err")"
fi

# 2. dump-flows prints what ovs-ofctl prints, unfiltered and filtered.
XOFC dump-flows brB 2>"$TMP/err" | norm >"$TMP/x"
OFC dump-flows brB | norm >"$TMP/o"
if [ "$(wc -l <"$TMP/o")" -lt 30 ]; then
    fail dump_flows_equal "ovs-ofctl dumped only $(wc -l <"$TMP/o") lines"
else
    same dump_flows_equal "$TMP/o" "$TMP/x"
fi
for filter in "cookie=1/-1,in_port=5" "table=1" "icmp6" "cookie=0x1234/0xffff" "in_port=6,arp"; do
    XOFC dump-flows brB "$filter" | norm >"$TMP/x"
    OFC dump-flows brB "$filter" | norm >"$TMP/o"
    if [ "$(wc -l <"$TMP/o")" -lt 2 ]; then
        fail "dump_flows_filter[$filter]" "ovs-ofctl dumped no flow"
    else
        same "dump_flows_filter[$filter]" "$TMP/o" "$TMP/x"
    fi
done

# 3. add-flow one at a time, and stdin for add-flows.
OFC del-flows brA
OFC del-flows brB
grep -v '^#' "$TMP/flows" | sed 's/ *#.*//' | grep . | head -8 >"$TMP/some"
ok=1
while IFS= read -r flow; do
    XOFC add-flow brA "$flow" || ok=0
    OFC add-flow brB "$flow"
done <"$TMP/some"
OFC dump-flows brA | norm >"$TMP/a"
OFC dump-flows brB | norm >"$TMP/b"
if [ $ok = 1 ]; then
    same add_flow_equal "$TMP/b" "$TMP/a"
else
    fail add_flow_equal "xvs-ofctl add-flow failed"
fi
OFC del-flows brA
if XOFC add-flows brA - <"$TMP/some"; then
    OFC dump-flows brA | norm >"$TMP/a"
    same add_flows_stdin "$TMP/b" "$TMP/a"
else
    fail add_flows_stdin "exit status $?"
fi

# 4. del-flows by cookie and port removes only those flows, as ovs-ofctl does.
OFC del-flows brA
OFC del-flows brB
XOFC add-flows brA "$TMP/flows"
OFC add-flows brB "$TMP/flows"
XOFC del-flows brA "in_port=5,cookie=1/-1"
OFC del-flows brB "in_port=5,cookie=1/-1"
OFC dump-flows brA | norm >"$TMP/a"
OFC dump-flows brB | norm >"$TMP/b"
if grep -q 'cookie=0x1,.*in_port=5' "$TMP/a"; then
    fail del_flows_cookie "a cookie=1 flow of port 5 is left"
elif ! grep -q 'cookie=0x2,.*in_port=5' "$TMP/a" || ! grep -q 'cookie=0x1,.*in_port=6' "$TMP/a"; then
    fail del_flows_cookie "flows of another cookie or port were deleted"
else
    same del_flows_cookie "$TMP/b" "$TMP/a"
fi

# 5. --strict deletes exactly one flow; plain del-flows of a table; del-flows of everything.
XOFC --strict del-flows brA "priority=7000,in_port=6,arp,arp_spa=10.0.0.6,arp_op=1"
OFC --strict del-flows brB "priority=7000,in_port=6,arp,arp_spa=10.0.0.6,arp_op=1"
XOFC --strict del-flows brA "priority=1,in_port=6,arp,arp_spa=10.0.0.6,arp_op=1"
OFC dump-flows brA | norm >"$TMP/a"
OFC dump-flows brB | norm >"$TMP/b"
if grep -q 'in_port=6' "$TMP/a"; then
    fail del_flows_strict "the flow is still there"
else
    same del_flows_strict "$TMP/b" "$TMP/a"
fi
XOFC del-flows brA "table=1"
if OFC dump-flows brA | grep -q 'table=1,'; then
    fail del_flows_table "a table 1 flow is left"
elif ! OFC dump-flows brA | grep -q 'table=0,'; then
    fail del_flows_table "table 0 was emptied too"
else
    pass del_flows_table
fi
XOFC del-flows brA
if [ "$(OFC dump-flows brA | grep -c 'table=')" = 0 ]; then
    pass del_flows_all
else
    fail del_flows_all "flows are left"
fi

# 6. A flow the switch refuses (table 254 is read-only in Open vSwitch): exit 1, error named.
XOFC add-flow brA "table=254,actions=drop" 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q '^xvs-ofctl: .*OFPBRC_EPERM' "$TMP/err"; then
    pass switch_refusal
else
    fail switch_refusal "exit $rc: $(head -c 300 "$TMP/err" | tr '\n' '|')"
fi
printf 'priority=1,actions=drop\ntable=254,actions=drop\n' >"$TMP/bad-batch"
XOFC add-flows brA "$TMP/bad-batch" 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q '^xvs-ofctl: brA: flow 2 (table=254, actions=drop): .*OFPBRC_EPERM' "$TMP/err"; then
    pass switch_refusal_in_batch
else
    fail switch_refusal_in_batch "exit $rc: $(head -c 300 "$TMP/err" | tr '\n' '|')"
fi

# 7. A line that does not parse: exit 1, file:line and token named, nothing of the file sent.
OFC del-flows brA
printf 'priority=1,actions=drop\n\n# comment\npriority=2,tp_dst=80,actions=drop\n' >"$TMP/bad"
XOFC add-flows brA "$TMP/bad" 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q "^xvs-ofctl: $TMP/bad:4: tp_dst=80" "$TMP/err" &&
    [ "$(OFC dump-flows brA | grep -c 'table=')" = 0 ]; then
    pass add_flows_parse_error
else
    fail add_flows_parse_error "exit $rc: $(head -c 300 "$TMP/err" | tr '\n' '|')"
fi
XOFC add-flow brA "in_port=1,foo=2,actions=drop" 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q '^xvs-ofctl: foo=2: unknown keyword' "$TMP/err"; then
    pass add_flow_parse_error
else
    fail add_flow_parse_error "exit $rc: $(head -c 300 "$TMP/err" | tr '\n' '|')"
fi

# 8. show: the datapath id ovs-ofctl reports; other OpenFlow versions and bad targets refused.
want=$(OFC show brA | sed -n 's/.*dpid:\([0-9a-f]*\).*/\1/p')
got=$(XOFC show brA | sed -n 's/.*dpid:\([0-9a-f]*\).*/\1/p')
if [ -n "$want" ] && [ "$want" = "$got" ]; then
    pass show_dpid
else
    fail show_dpid "got '$got', ovs-ofctl says '$want'"
fi
"$XVS" -O OpenFlow10 show brA 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q '^xvs-ofctl: .*OpenFlow13' "$TMP/err"; then
    pass refuses_other_versions
else
    fail refuses_other_versions "exit $rc: $(head -c 200 "$TMP/err")"
fi
XOFC show "unix:$TMP/brA.mgmt" >"$TMP/out" 2>"$TMP/err" && grep -q "dpid:$want" "$TMP/out"
rc=$?
if [ $rc = 0 ]; then
    pass unix_target
else
    fail unix_target "$(head -c 200 "$TMP/err")"
fi
XOFC show nosuchbridge 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q '^xvs-ofctl: nosuchbridge' "$TMP/err"; then
    pass missing_bridge
else
    fail missing_bridge "exit $rc: $(head -c 200 "$TMP/err")"
fi

# 9. Port names, resolved through the switch's port description as ovs-ofctl resolves them:
# an internal port p1, and the bridge's own port brA, which is LOCAL.
if ! VSCTL add-port brA p1 -- set Interface p1 type=internal >>"$TMP/start.log" 2>&1; then
    fail port_names "cannot add port p1: $(tail -c 300 "$TMP/start.log" | tr '\n' '|')"
    exit 0
fi
i=0
while [ "$(VSCTL get Interface p1 ofport 2>/dev/null)" = "[]" ] ||
    [ -z "$(VSCTL get Interface p1 ofport 2>/dev/null)" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
        fail port_names "p1 got no OpenFlow port number"
        exit 0
    fi
    sleep 0.1
done
P1=$(VSCTL get Interface p1 ofport)
OFC del-flows brA
if XOFC add-flow brA "priority=50,in_port=p1,actions=output:brA" 2>"$TMP/err" &&
    XOFC add-flow brA "priority=51,in_port=brA,actions=output:p1" 2>>"$TMP/err"; then
    OFC add-flow brA "priority=60,in_port=p1,actions=output:brA"
    OFC add-flow brA "priority=61,in_port=brA,actions=output:p1"
    # The flows ovs-ofctl made from the same names, with our priorities.
    OFC --no-names dump-flows brA | norm | grep 'priority=6' |
        sed -e 's/priority=60/priority=50/' -e 's/priority=61/priority=51/' | sort >"$TMP/b"
    OFC --no-names dump-flows brA | norm | grep 'priority=5' >"$TMP/a"
    if ! grep -q "priority=50,in_port=$P1 actions=LOCAL" "$TMP/a" ||
        ! grep -q "priority=51,in_port=LOCAL actions=output:$P1" "$TMP/a"; then
        fail port_names_add "p1 is port $P1: $(tr '\n' '|' <"$TMP/a")"
    else
        same port_names_add "$TMP/b" "$TMP/a"
    fi
else
    fail port_names_add "$(head -c 300 "$TMP/err" | tr '\n' '|')"
fi
XOFC dump-flows brA "in_port=p1" | norm >"$TMP/x"
OFC dump-flows brA "in_port=p1" | norm >"$TMP/o"
if [ "$(wc -l <"$TMP/o")" -lt 3 ]; then
    fail port_names_dump_filter "ovs-ofctl dumped $(wc -l <"$TMP/o") lines"
else
    same port_names_dump_filter "$TMP/o" "$TMP/x"
fi
XOFC dump-flows brA "out_port=p1" | norm >"$TMP/x"
OFC dump-flows brA "out_port=p1" | norm >"$TMP/o"
if [ "$(wc -l <"$TMP/o")" -lt 3 ]; then
    fail port_names_out_port "ovs-ofctl dumped $(wc -l <"$TMP/o") lines"
else
    same port_names_out_port "$TMP/o" "$TMP/x"
fi
XOFC del-flows brA "in_port=p1"
if OFC --no-names dump-flows brA | grep -q "in_port=$P1 "; then
    fail port_names_del "a flow of p1 is left"
elif ! OFC dump-flows brA | grep -q 'in_port=LOCAL'; then
    fail port_names_del "the LOCAL flows went too"
else
    pass port_names_del
fi
XOFC add-flow brA "in_port=nosuch0,actions=drop" 2>"$TMP/err"
rc=$?
if [ $rc = 1 ] && grep -q '^xvs-ofctl: in_port=nosuch0: invalid or unknown port' "$TMP/err"; then
    pass port_names_unknown
else
    fail port_names_unknown "exit $rc: $(head -c 300 "$TMP/err" | tr '\n' '|')"
fi

# 10. show lists the ports as ovs-ofctl show does (the lines that start with a space).
XOFC show brA >"$TMP/x" 2>"$TMP/err"
OFC show brA >"$TMP/o"
if ! grep -q "^ $P1(p1): addr:" "$TMP/x" || ! grep -q '^ LOCAL(brA): addr:' "$TMP/x"; then
    fail show_ports "$(head -c 300 "$TMP/x" "$TMP/err" | tr '\n' '|')"
else
    grep '^ ' "$TMP/o" >"$TMP/b"
    grep '^ ' "$TMP/x" >"$TMP/a"
    same show_ports "$TMP/b" "$TMP/a"
fi
exit 0
