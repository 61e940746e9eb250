#!/usr/bin/python3
"""Python anchors for bench/xapi_bench.c, run on the same inputs in the same run.

Usage: anchor.py DBCACHE [UNIX-SOCKET]

The originals are Python: interface-reconfigure reads and writes the dbcache
with xml.dom.minidom, and every XenAPI script talks to XAPI through the
XenAPI SDK, which is xmlrpc.client over a unix socket.  This script does the
same work the same way (written for this benchmark, not taken from them) and
prints the same "name: value unit" lines as the C benchmark.
"""
import http.client
import socket
import statistics
import sys
import time
import xmlrpc.client
from xml.dom import minidom

RUNS = 21


def timed(fn):
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


def read_cache(path):
    """Parse the file and walk every element into dicts, as the reader does."""
    doc = minidom.parse(path)
    out = []
    for node in doc.documentElement.childNodes:
        if node.nodeType != node.ELEMENT_NODE:
            continue
        rec = {"ref": node.getAttribute("ref")}
        for field in node.childNodes:
            if field.nodeType == field.ELEMENT_NODE:
                items = [c for c in field.childNodes if c.nodeType == c.ELEMENT_NODE]
                if items:
                    rec[field.tagName] = [(i.tagName, i.firstChild.data if i.firstChild else "")
                                          for i in items]
                else:
                    rec[field.tagName] = field.firstChild.data.strip() if field.firstChild else ""
        out.append((node.tagName, rec))
    return out


def write_cache(records, path):
    impl = minidom.getDOMImplementation()
    doc = impl.createDocument(None, "xenserver-network-configuration", None)
    root = doc.documentElement
    for tag, rec in records:
        el = doc.createElement(tag)
        el.setAttribute("ref", rec["ref"])
        for key, value in rec.items():
            if key == "ref":
                continue
            f = doc.createElement(key)
            if isinstance(value, list):
                for item_tag, text in value:
                    i = doc.createElement(item_tag)
                    i.appendChild(doc.createTextNode(text))
                    f.appendChild(i)
            elif value:
                f.appendChild(doc.createTextNode(value))
            el.appendChild(f)
        root.appendChild(el)
    text = doc.toprettyxml(indent="\t")
    with open(path + ".py", "w") as fh:
        fh.write(text)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        return UnixConnection(self.path)


def main():
    cache = sys.argv[1]
    records = read_cache(cache)
    print("py_minidom_read_1000_pifs: %.3f ms" % timed(lambda: read_cache(cache)))
    print("py_minidom_write_1000_pifs: %.3f ms" % timed(lambda: write_cache(records, cache)))
    if len(sys.argv) > 2:
        proxy = xmlrpc.client.ServerProxy("http://_var_lib_xcp_xapi/",
                                          transport=UnixTransport(sys.argv[2]))
        session = proxy.session.login_with_password("root", "", "1.0", "xvs-bench")["Value"]

        def get_all():
            value = proxy.PIF.get_all_records(session)["Value"]
            assert len(value) == 1000, len(value)

        print("py_xmlrpc_pif_get_all_records_1000: %.3f ms" % timed(get_all))
        proxy.session.logout(session)


if __name__ == "__main__":
    main()
