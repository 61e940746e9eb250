#!/usr/bin/python3
"""Frames for the VIF locking test (tests/integration/vif_stock.sh).

Not a test by itself: vif_stock.sh runs it twice per round, once as the
counting receiver inside the second guest's namespace and once as the sender
inside the locked guest's namespace.  Run without arguments (as
tests/run-tests.sh does for every tests/integration/*.py) it does nothing.

Every frame the sender makes carries a tag "XVSTAG:<case>:" after the end of
its protocol data (as trailing bytes that no header length covers, so no
switch or kernel parses them), which lets the receiver count each case on its
own while ignoring whatever the guests' kernels send.  The sender crafts the
frames with python3-scapy; the receiver needs only a packet socket.

  vif_spoof.py recv IFACE READY_FILE STOP_FILE OUT_FILE TIMEOUT
  vif_spoof.py send IFACE N MAC IPV4 IPV6 FOREIGN_MAC FOREIGN_IPV4 FOREIGN_IPV6 DST_MAC DST_IPV4 DST_IPV6
  vif_spoof.py cases          (prints "case expect" lines: expect is pass or drop)
"""

import ipaddress
import os
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TAG = b"XVSTAG:"

# Case name -> what locked mode must do with it.  The order is the send order.
CASES = [
    ("dhcp-discover", "pass"),
    ("arp-allowed", "pass"),
    ("ipv4-allowed", "pass"),
    ("icmp6-echo-allowed", "pass"),
    ("udp6-allowed", "pass"),
    ("ns-allowed", "pass"),
    ("na-allowed", "pass"),
    ("spoofed-mac", "drop"),
    ("spoofed-ipv4", "drop"),
    ("arp-foreign-spa", "drop"),
    ("arp-foreign-sha", "drop"),
    ("ra-from-allowed", "drop"),
    ("ra-link-local", "drop"),
    ("ns-foreign-source", "drop"),
    ("ns-foreign-sll", "drop"),
    ("na-foreign-target", "drop"),
    ("icmp6-redirect", "drop"),
    ("udp6-spoofed-source", "drop"),
]


def tag(case):
    return TAG + case.encode() + b":"


def build(case, a):
    """Returns the frame bytes for one case, tag appended."""
    from scapy.all import (ARP, BOOTP, DHCP, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                           ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6NDOptPrefixInfo,
                           ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IP, IPv6, UDP, Ether)

    mac, ip4, ip6 = a["mac"], a["ipv4"], a["ipv6"]
    fmac, fip4, fip6 = a["foreign_mac"], a["foreign_ipv4"], a["foreign_ipv6"]
    dmac, dip4, dip6 = a["dst_mac"], a["dst_ipv4"], a["dst_ipv6"]
    bcast = "ff:ff:ff:ff:ff:ff"
    allnodes = "33:33:00:00:00:01"
    lladdr = "fe80::216:3eff:fe00:99"
    # Solicited-node multicast group (and its MAC) of the destination, for
    # neighbour solicitations (RFC 4291 section 2.7.1).
    low24 = int(ipaddress.IPv6Address(dip6)) & 0xFFFFFF
    snm6 = str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("ff02::1:ff00:0")) | low24))
    sn_mac = "33:33:ff:%02x:%02x:%02x" % (low24 >> 16, (low24 >> 8) & 0xFF, low24 & 0xFF)
    if case == "dhcp-discover":
        p = (Ether(src=mac, dst=bcast) / IP(src="0.0.0.0", dst="255.255.255.255") /
             UDP(sport=68, dport=67) /
             BOOTP(chaddr=bytes.fromhex(mac.replace(":", "")), xid=0x5678) /
             DHCP(options=[("message-type", "discover"), "end"]))
    elif case == "arp-allowed":
        p = Ether(src=mac, dst=bcast) / ARP(op=1, hwsrc=mac, psrc=ip4, pdst=dip4)
    elif case == "ipv4-allowed":
        p = Ether(src=mac, dst=dmac) / IP(src=ip4, dst=dip4) / UDP(sport=4000, dport=4001) / b"ok"
    elif case == "icmp6-echo-allowed":
        p = Ether(src=mac, dst=dmac) / IPv6(src=ip6, dst=dip6) / ICMPv6EchoRequest(id=7, seq=1)
    elif case == "udp6-allowed":
        p = Ether(src=mac, dst=dmac) / IPv6(src=ip6, dst=dip6) / UDP(sport=4000, dport=4002) / b"ok"
    elif case == "ns-allowed":
        p = (Ether(src=mac, dst=sn_mac) / IPv6(src=ip6, dst=snm6, hlim=255) /
             ICMPv6ND_NS(tgt=dip6) / ICMPv6NDOptSrcLLAddr(lladdr=mac))
    elif case == "na-allowed":
        p = (Ether(src=mac, dst=allnodes) / IPv6(src=ip6, dst="ff02::1", hlim=255) /
             ICMPv6ND_NA(tgt=ip6, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mac))
    elif case == "spoofed-mac":
        p = Ether(src=fmac, dst=dmac) / IP(src=ip4, dst=dip4) / UDP(sport=4000, dport=4003) / b"x"
    elif case == "spoofed-ipv4":
        p = Ether(src=mac, dst=dmac) / IP(src=fip4, dst=dip4) / UDP(sport=4000, dport=4004) / b"x"
    elif case == "arp-foreign-spa":
        p = Ether(src=mac, dst=bcast) / ARP(op=1, hwsrc=mac, psrc=fip4, pdst=dip4)
    elif case == "arp-foreign-sha":
        p = Ether(src=mac, dst=bcast) / ARP(op=2, hwsrc=fmac, psrc=ip4, pdst=dip4, hwdst=dmac)
    elif case == "ra-from-allowed":
        p = (Ether(src=mac, dst=allnodes) / IPv6(src=ip6, dst="ff02::1", hlim=255) /
             ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=mac) /
             ICMPv6NDOptPrefixInfo(prefix="fd66::", prefixlen=64))
    elif case == "ra-link-local":
        p = (Ether(src=mac, dst=allnodes) / IPv6(src=lladdr, dst="ff02::1", hlim=255) /
             ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=mac))
    elif case == "ns-foreign-source":
        p = (Ether(src=mac, dst=sn_mac) / IPv6(src=fip6, dst=snm6, hlim=255) /
             ICMPv6ND_NS(tgt=dip6) / ICMPv6NDOptSrcLLAddr(lladdr=mac))
    elif case == "ns-foreign-sll":
        p = (Ether(src=mac, dst=sn_mac) / IPv6(src=ip6, dst=snm6, hlim=255) /
             ICMPv6ND_NS(tgt=dip6) / ICMPv6NDOptSrcLLAddr(lladdr=fmac))
    elif case == "na-foreign-target":
        p = (Ether(src=mac, dst=allnodes) / IPv6(src=ip6, dst="ff02::1", hlim=255) /
             ICMPv6ND_NA(tgt=fip6, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mac))
    elif case == "icmp6-redirect":
        p = (Ether(src=mac, dst=dmac) / IPv6(src=ip6, dst=dip6, hlim=255) /
             ICMPv6ND_Redirect(tgt=ip6, dst="fd99::1"))
    elif case == "udp6-spoofed-source":
        p = Ether(src=mac, dst=dmac) / IPv6(src=fip6, dst=dip6) / UDP(sport=4000, dport=4005) / b"x"
    else:
        raise ValueError("unknown case " + case)
    return bytes(p) + tag(case)


def cmd_send(iface, n, mac, ip4, ip6, fmac, fip4, fip6, dmac, dip4, dip6):
    args = dict(mac=mac, ipv4=ip4, ipv6=ip6, foreign_mac=fmac, foreign_ipv4=fip4,
                foreign_ipv6=fip6, dst_mac=dmac, dst_ipv4=dip4, dst_ipv6=dip6)
    frames = [(c, build(c, args)) for c, _ in CASES]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    sent = {}
    for _ in range(int(n)):
        for case, frame in frames:
            s.send(frame)
            sent[case] = sent.get(case, 0) + 1
            # A short gap: stock OVS's userspace datapath drops bursts at its
            # packet-socket receive side, and this test counts frames.
            time.sleep(0.002)
    for case, _ in CASES:
        print(case, sent.get(case, 0))


def cmd_recv(iface, ready, stop, out, timeout):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.1)
    counts = {c: 0 for c, _ in CASES}
    with open(ready, "w") as f:
        f.write("ready\n")
    deadline = time.monotonic() + float(timeout)
    while time.monotonic() < deadline and not os.path.exists(stop):
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        i = data.rfind(TAG)
        if i < 0:
            continue
        case = data[i + len(TAG):].split(b":", 1)[0].decode(errors="replace")
        if case in counts:
            counts[case] += 1
    # Frames still queued in the socket when the stop file appeared.
    s.setblocking(False)
    while True:
        try:
            data, addr = s.recvfrom(65535)
        except (BlockingIOError, socket.timeout):
            break
        if addr[2] == PACKET_OUTGOING:
            continue
        i = data.rfind(TAG)
        if i >= 0:
            case = data[i + len(TAG):].split(b":", 1)[0].decode(errors="replace")
            if case in counts:
                counts[case] += 1
    with open(out + ".tmp", "w") as f:
        for c, _ in CASES:
            f.write("%s %d\n" % (c, counts[c]))
    os.rename(out + ".tmp", out)


def main(argv):
    if len(argv) < 2:
        return 0
    if argv[1] == "cases" and len(argv) == 2:
        for c, e in CASES:
            print(c, e)
        return 0
    if argv[1] == "send" and len(argv) == 13:
        cmd_send(*argv[2:])
        return 0
    if argv[1] == "recv" and len(argv) == 7:
        cmd_recv(*argv[2:])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
