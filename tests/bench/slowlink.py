"""Links slower than loopback (issue 15, point 2): 1,000,000 enterprise records synced from
Shanghai to Hangzhou, each node in a network namespace of its own, the link between them
shaped to RATE Mbit/s with tc tbf (both ways) and delayed to RTT ms of round trip by the
project's relay (yrdx-delay: this kernel has no sch_netem), exactly as deploy/federation.sh
builds its links (deploy/delta.py). Shanghai holds the records before Hangzhou starts; the
time is from Hangzhou's start until its store holds the last of them, watched from one
read-only reader in the benchmark process.

Figures per rate and per compression setting (off: sync/compress_level 0 at both nodes,
as between nodes older than compression; zstd: level 1, the default): records/s,
the bytes that crossed Shanghai's veth (Ethernet frames: what tbf counts) per second
against the shaped rate — the fraction of the link's capacity the sync used — and the
payload bytes per record on the wire.

  python3 tests/bench/slowlink.py [N] [RATES] [RTT_MS] [COMPRESS]
        (defaults 1000000, 100,10, 30, off,zstd)"""
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../deploy"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
from delta import Namespaces, namespaces_work, read_cities, sh  # noqa: E402
from harness import BUILD, Federation, enterprise  # noqa: E402

BENCH = os.path.join(BUILD, "tests/bench/bench_sync")


def tx_bytes(ns, dev="eth0"):
    return int(sh("ip", "netns", "exec", ns, "cat", "/sys/class/net/%s/statistics/tx_bytes" % dev))


# The settings COMPRESS names, as sync/compress_level values.
LEVELS = {"off": 0, "zstd": 1}


def set_compress(node, setting):
    node.set_sync(compress_level=LEVELS[setting])


def run(n, records, rate, rtt, compress):
    cities = {c.node: c for c in read_cities()}
    pair = [cities["shanghai"], cities["hangzhou"]]
    fed = Federation("bench-slowlink")
    net = Namespaces("s%03x" % random.randrange(1 << 12), pair, [tuple(pair)], fed.root,
                     rtt_ms=rtt, rate_mbit=rate)
    try:
        net.up()
        a = fed.node("shanghai", 310000, **net.node_args(pair[0]))
        b = fed.node("hangzhou", 330100, **net.node_args(pair[1]))
        if compress:
            set_compress(a, compress)
            set_compress(b, compress)
        a.ctl("peer", "add", b.name, net.endpoint(a, b), b.pubkey)
        b.ctl("peer", "add", a.name, net.endpoint(b, a), a.pubkey)
        net.start_relays([a, b])
        a.start()
        a.put("enterprise", records, chunk=25000)
        os.sync()
        ns_a = net.netns("shanghai")
        bytes0, load = tx_bytes(ns_a), os.getloadavg()[0]
        t0 = time.monotonic()
        b.start(wait=False)
        waiter = subprocess.run([BENCH, "wait-tip", os.path.join(b.dir, "data"), a.pubkey, str(n)],
                                capture_output=True, text=True)
        assert waiter.returncode == 0, "B never held every record: %s\n%s" % (waiter.stderr, b.log())
        reached = float(waiter.stdout.split()[1])
        elapsed = reached - t0
        wire = tx_bytes(ns_a) - bytes0
        peer = b.status()["peers"][0]
        counters = b.counters()
        assert b.digest()["digest"] == a.digest()["digest"], "digests differ after the sync"
        return {"elapsed": elapsed, "wire": wire, "payload": peer["bytes_in"], "load": load,
                "counters": counters}
    finally:
        try:
            fed.close()
        finally:
            net.down()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    rates = [int(r) for r in (sys.argv[2] if len(sys.argv) > 2 else "100,10").split(",")]
    rtt = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    compress = (sys.argv[4] if len(sys.argv) > 4 else "off,zstd").split(",")
    assert all(c in LEVELS for c in compress), "COMPRESS: a comma list of %s" % ", ".join(LEVELS)
    if not namespaces_work():
        raise SystemExit("slowlink: needs root and ip netns (network namespaces)")
    records = [enterprise(i) for i in range(n)]
    print("slowlink_records: %d records" % n)
    print("slowlink_rtt: %d ms (yrdx-delay relays; no sch_netem in this kernel)" % rtt)
    for rate in rates:
        plain_wire = None  # wire bytes per record of the off run at this rate
        for c in compress:
            tag = "%dmbit_%s" % (rate, c)
            r = run(n, records, rate, rtt, c)
            capacity = rate * 1e6 / 8
            if c == "off":
                plain_wire = r["wire"] / n
            print("slowlink_%s_load_before: %.2f (1-minute load average)" % (tag, r["load"]))
            print("slowlink_%s_seconds: %.2f s" % (tag, r["elapsed"]))
            print("slowlink_%s_throughput: %.0f records/s" % (tag, n / r["elapsed"]))
            print("slowlink_%s_wire_bytes_per_record: %.1f bytes (Ethernet frames A->B)" % (tag, r["wire"] / n))
            print("slowlink_%s_payload_bytes_per_record: %.1f bytes (messages as received)" % (tag, r["payload"] / n))
            print("slowlink_%s_link_used: %.1f %% of %d Mbit/s (target >= 80 %%)"
                  % (tag, 100 * r["wire"] / r["elapsed"] / capacity, rate))
            if c != "off" and plain_wire:
                # The records delivered, at the wire size they have plain, against the same
                # capacity: past 100 %, the link carries more than it could uncompressed.
                print("slowlink_%s_plain_equivalent: %.1f %% of %d Mbit/s"
                      % (tag, 100 * plain_wire * n / r["elapsed"] / capacity, rate))
            print("slowlink_%s_records_per_commit: %.0f records" % (tag, n / max(r["counters"].get("commits", 1), 1)))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
