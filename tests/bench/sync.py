"""Initial-sync throughput A -> B of 1,000,000 enterprise records (CURVE, full
verification, durable commits), beside the raw limit measured in the same run: the slower
of plain ZeroMQ+CURVE carrying the same bytes in the same batch size between two
processes, and LMDB appending the same records in the same transaction size. Then the
commit-to-visible latency A -> B -> C, p50 and p99. Medians of RUNS runs."""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
from harness import BUILD, Federation, enterprise, same_digest, wait_until  # noqa: E402

BENCH = os.path.join(BUILD, "tests/bench/bench_sync")


def figure(out, name):
    for line in out.splitlines():
        if line.startswith(name + ":"):
            return float(line.split()[1])
    raise AssertionError("%s missing in %r" % (name, out))


def sync_run(n, records):
    with Federation("bench-sync") as fed:
        a = fed.node("shanghai")
        b = fed.node("hangzhou", 330100)
        fed.link(a, b)
        a.start()
        a.put("enterprise", records, chunk=25000)
        # Each measurement starts with no dirty pages queued for the disk: the sync here,
        # the raw appends below.
        os.sync()
        t0 = time.monotonic()
        b.start(wait=False)
        # Watched from one in-process reader: polling with yrdxctl would spawn a process
        # every few milliseconds on the two cores the nodes are measured on.
        waiter = subprocess.run([BENCH, "wait-tip", os.path.join(b.dir, "data"), a.pubkey, str(n)],
                                capture_output=True, text=True)
        assert waiter.returncode == 0, "B never held every record: %s\n%s" % (waiter.stderr, b.log())
        elapsed = figure(waiter.stdout, "reached") - t0
        assert same_digest(a, b)
        c = b.counters()
        peer = b.status()["peers"][0]
        record_bytes = peer["bytes_in"] / n
        txn_records = n / max(c["commits"], 1)
        raw_dir = os.path.join(fed.root, "raw-lmdb")
        os.sync()
        zmq = figure(subprocess.run([BENCH, "raw-zmq", str(n), str(int(record_bytes)), "1024"],
                                    capture_output=True, text=True, check=True).stdout, "raw_zmq_curve")
        lmdb = figure(subprocess.run([BENCH, "raw-lmdb", raw_dir, str(n), str(int(record_bytes) + 66),
                                      str(int(txn_records))],
                                     capture_output=True, text=True, check=True).stdout, "raw_lmdb_append")
        return n / elapsed, zmq, lmdb, record_bytes, txn_records


def latency_run(iterations):
    with Federation("bench-latency") as fed:
        a = fed.node("shanghai")
        b = fed.node("hangzhou", 330100)
        c = fed.node("hefei", 340100)
        fed.link(a, b)
        fed.link(b, c)
        probe_key = os.path.join(fed.root, "probe.key")
        probe = a.ctl_json("keygen", probe_key, config=False)["public_key"]
        c.ctl("peer", "add", "probe", "tcp://127.0.0.1:1", probe)
        for n in (a, b, c):
            n.start()
        a.put("enterprise", [enterprise(i) for i in range(10)])
        wait_until(lambda: same_digest(a, b, c), 30, "the chain to converge")
        out = subprocess.run([BENCH, "latency", os.path.join(a.dir, "control.sock"), c.endpoint,
                              c.pubkey, probe_key, a.pubkey, str(iterations)],
                             capture_output=True, text=True, check=True).stdout
        return figure(out, "latency_p50"), figure(out, "latency_p99")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    records = [enterprise(i) for i in range(n)]
    results = [sync_run(n, records) for _ in range(runs)]
    sync = statistics.median(r[0] for r in results)
    zmq = statistics.median(r[1] for r in results)
    lmdb = statistics.median(r[2] for r in results)
    ratios = [r[0] / min(r[1], r[2]) for r in results]
    print("sync_records: %d records" % n)
    print("sync_record_bytes: %.0f bytes" % results[0][3])
    print("sync_records_per_commit: %.0f records" % statistics.median(r[4] for r in results))
    print("sync_throughput: %.0f records/s" % sync)
    print("raw_zmq_curve_throughput: %.0f records/s" % zmq)
    print("raw_lmdb_append_throughput: %.0f records/s" % lmdb)
    print("sync_vs_raw_limit: %.2f ratio" % statistics.median(ratios))
    lat = [latency_run(iterations) for _ in range(runs)]
    print("latency_a_to_c_p50: %.3f ms" % statistics.median(x[0] for x in lat))
    print("latency_a_to_c_p99: %.3f ms" % statistics.median(x[1] for x in lat))


if __name__ == "__main__":
    main()
