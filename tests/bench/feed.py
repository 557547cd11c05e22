"""Feed delivery: N relay events (PROPOSEs, each its own durable commit at the origin)
from Shanghai through Hangzhou to a Suzhou park's feed — events/s and latency from the
request at the origin to delivery at the park, p50/p99 — beside NATS JetStream in the
same run (file storage, durable pull consumer, explicit acks, events of the same size,
publish to consumer). Medians of RUNS runs.

A third series shows where the difference lies: the same yrdx run with the nodes' disk
flushes removed (libeatmydata preloaded: fdatasync and O_DSYNC become no-ops), which is
JetStream 2.9's durability, whose file store acknowledges before any flush and cannot be
told otherwise (2.9 has no sync_interval setting). A diagnostic only: yrdx never runs so."""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
from harness import BUILD, Federation, enterprise, free_port, same_digest, wait_until  # noqa: E402

BENCH = os.path.join(BUILD, "tests/bench/bench_feed")
FEED = os.path.join(BUILD, "tools/yrdx-feed")
EVENT_BYTES = 330  # a PROPOSE change with its envelope, as stored


def figures(out):
    return {l.split(":")[0]: float(l.split()[1]) for l in out.splitlines() if ":" in l}


def yrdx_run(n, unflushed=False):
    saved = os.environ.get("LD_PRELOAD")
    if unflushed:
        os.environ["LD_PRELOAD"] = "libeatmydata.so"
    try:
        return yrdx_federation(n)
    finally:
        if saved is None:
            os.environ.pop("LD_PRELOAD", None)
        else:
            os.environ["LD_PRELOAD"] = saved


def yrdx_federation(n):
    with Federation("bench-feed") as fed:
        sh = fed.node("shanghai", 310000)
        hz = fed.node("hangzhou", 330100)
        sz = fed.node("suzhou", 320500)
        fed.link(sh, hz)
        fed.link(hz, sz)
        key = os.path.join(fed.root, "park.key")
        park = subprocess.run([FEED, "keygen", key], capture_output=True, text=True, check=True).stdout.strip()
        for node in (sh, hz, sz):
            node.start()
        # the park, in Suzhou's own registry, then authorised there
        sz.put("park", [{"id": "SZ-PARK-SIP", "name": "苏州工业园区", "city": 320500,
                         "type": "characteristic_park", "industries": ["integrated_circuits"],
                         "capacity": 50}])
        sz.ctl("park", "add", "bench", "SZ-PARK-SIP", park)
        ents = [enterprise(i) for i in range(n)]
        sh.put("enterprise", ents, chunk=25000)
        codes = os.path.join(fed.root, "codes")
        with open(codes, "w") as f:
            f.write("\n".join(e["credit_code"] for e in ents) + "\n")
        wait_until(lambda: same_digest(sh, hz, sz), 300, "the registries everywhere")
        out = subprocess.run([BENCH, "yrdx", os.path.join(sh.dir, "control.sock"), key,
                              "tcp://127.0.0.1:%d" % sz.feed_port, sz.pubkey, sz.pubkey, "SZ-PARK-SIP",
                              codes, str(n)], capture_output=True, text=True, timeout=1200)
        if out.returncode:
            raise SystemExit("bench_feed yrdx failed: " + out.stderr)
        return figures(out.stdout)


def nats_run(n):
    root = tempfile.mkdtemp(prefix="bench-nats-")
    port = free_port()
    server = subprocess.Popen(["nats-server", "-js", "-sd", root, "-p", str(port), "-a", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def up():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_until(up, 10, "nats-server to listen")
        out = subprocess.run([BENCH, "nats", "nats://127.0.0.1:%d" % port, str(n), str(EVENT_BYTES)],
                             capture_output=True, text=True, timeout=600)
        if out.returncode:
            raise SystemExit("bench_feed nats failed: " + out.stderr)
        return figures(out.stdout)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(root, ignore_errors=True)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    results = []
    for _ in range(runs):
        r = yrdx_run(n)
        r.update(nats_run(n))
        r.update({k.replace("yrdx_feed", "yrdx_unflushed_feed"): v
                  for k, v in yrdx_run(n, unflushed=True).items()})
        results.append(r)
    print("feed_events: %d events" % n)
    for key, unit in (("yrdx_feed_throughput", "events/s"), ("nats_jetstream_throughput", "messages/s"),
                      ("yrdx_feed_latency_p50", "ms"), ("yrdx_feed_latency_p99", "ms"),
                      ("nats_jetstream_latency_p50", "ms"), ("nats_jetstream_latency_p99", "ms"),
                      ("yrdx_unflushed_feed_throughput", "events/s"),
                      ("yrdx_unflushed_feed_latency_p50", "ms"), ("yrdx_unflushed_feed_latency_p99", "ms")):
        print("%s: %.3f %s" % (key, statistics.median(r[key] for r in results), unit))


if __name__ == "__main__":
    main()
