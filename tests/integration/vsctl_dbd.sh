#!/bin/sh
# xvs-vsctl against xvs-dbd: the script of vsctl_stock.sh with server B being
# xvs-dbd instead of stock ovsdb-server (stock ovs-vsctl on stock
# ovsdb-server stays the reference).  Case names get a "dbd:" prefix.
SRC=${XVS_SRC:-.}
VSCTL_PEER=xvs-dbd sh "$SRC/tests/integration/vsctl_stock.sh" | sed 's/^\(PASS\|FAIL\|SKIP\): /\1: dbd: /'
