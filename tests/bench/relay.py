"""Relay steps against history: the time of one relay step at a node whose store holds N
relay events (N PROPOSEs from Shanghai for a Suzhou park, each case its own enterprise),
for each N given. A step should cost what its case costs, not what the federation wrote
before it: the largest N's figures should stay within 2x of the smallest's.

Per N, medians of SAMPLES steps, each on a case of its own spread over the history:
  relay_accept_cli_ms    `yrdxctl relay accept CASE` at Suzhou, process start included
  relay_accept_daemon_ms the same request timed at the control socket (bench_relay step)
  feed_accept_cli_ms     `yrdx-feed accept CASE`: the park accepts through its feed,
                         process start and CURVE handshake included
  feed_accept_daemon_ms  the same action timed at the park's feed connection
                         (bench_relay feed-step): the path that derived the case twice
  feed_delivery_ms       from issuing `yrdxctl relay accept` to the ACCEPT printed by the
                         park's running yrdx-feed: the step and one feed pump to the park
                         (the pump runs before the step is answered)"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
from harness import BUILD, Federation, enterprise, same_digest, wait_until  # noqa: E402

BENCH = os.path.join(BUILD, "tests/bench/bench_relay")
FEED = os.path.join(BUILD, "tools/yrdx-feed")
YRDXCTL = os.path.join(BUILD, "tools/yrdxctl")
PARK_ID = "SZ-PARK-SIP"


class Park:
    """The park's yrdx-feed at Suzhou, its output read as it grows."""

    def __init__(self, fed, node):
        self.node = node
        self.dir = os.path.join(fed.root, "park")
        os.makedirs(self.dir)
        self.key = os.path.join(self.dir, "park.key")
        self.pubkey = subprocess.run([FEED, "keygen", self.key], capture_output=True, text=True,
                                     check=True).stdout.strip()
        self.out = os.path.join(self.dir, "events.ndjson")
        self.proc = None
        self.offset = 0
        self.partial = b""
        self.lines = 0

    def conn(self):
        return ["--node", "tcp://127.0.0.1:%d" % self.node.feed_port, "--node-key",
                self.node.pubkey, "--key", self.key]

    def start(self):
        with open(self.out, "ab") as out, open(os.path.join(self.dir, "stderr"), "ab") as err:
            self.proc = subprocess.Popen([FEED] + self.conn() + ["--state", os.path.join(self.dir, "state"), "run"],
                                         stdout=out, stderr=err)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def new_events(self):
        """The events printed since the last call."""
        with open(self.out, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self.partial + data
        *complete, self.partial = data.split(b"\n")
        self.lines += len(complete)
        return [json.loads(l) for l in complete if l.strip()]

    def accept(self, case):
        t0 = time.monotonic()
        subprocess.run([FEED] + self.conn() + ["accept", case], capture_output=True, check=True)
        return (time.monotonic() - t0) * 1e3


def spread(cases, k, offset, parts):
    """k cases spread evenly over the history, the offset-th of parts disjoint sets."""
    step = max(len(cases) // (k * parts), 1)
    return [cases[(i * parts + offset) * step] for i in range(k)]


def bench(args):
    """bench_relay's per-step milliseconds."""
    out = subprocess.run([BENCH] + args, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise SystemExit("bench_relay %s failed: %s" % (args[0], out.stderr))
    return [float(x) for x in out.stdout.split()]


def run_size(n, samples):
    with Federation("bench-relay") as fed:
        sh = fed.node("shanghai", 310000)
        sz = fed.node("suzhou", 320500)
        fed.link(sh, sz)
        park = Park(fed, sz)
        sh.start()
        sz.start()
        # the park, in Suzhou's own registry, then authorised there
        sz.put("park", [{"id": PARK_ID, "name": "苏州工业园区", "city": 320500,
                         "type": "characteristic_park", "industries": ["integrated_circuits"],
                         "capacity": 50}])
        sz.ctl("park", "add", "bench", PARK_ID, park.pubkey)
        ents = [enterprise(i) for i in range(n)]
        sh.put("enterprise", ents, chunk=25000)
        codes = os.path.join(fed.root, "codes")
        with open(codes, "w") as f:
            f.write("\n".join(e["credit_code"] for e in ents) + "\n")
        out = subprocess.run([BENCH, "propose", os.path.join(sh.dir, "control.sock"), sz.pubkey, PARK_ID,
                              codes, str(n)], capture_output=True, text=True, timeout=1800)
        if out.returncode:
            raise SystemExit("bench_relay propose failed: " + out.stderr)
        cases = out.stdout.split()
        assert len(cases) == n
        wait_until(lambda: same_digest(sh, sz), 600, "Suzhou to hold every proposal")
        park.start()
        delivered = 0
        deadline = time.monotonic() + 600
        while delivered < n:
            delivered += len(park.new_events())
            if time.monotonic() > deadline:
                raise SystemExit("the park's feed stalled at %d of %d events" % (delivered, n))
            time.sleep(0.05)

        cli, delivery = [], []
        for case in spread(cases, samples, 0, 4):
            t0 = time.monotonic()
            r = subprocess.run([YRDXCTL, "-c", sz.config, "relay", "accept", case], capture_output=True, text=True)
            cli.append((time.monotonic() - t0) * 1e3)
            if r.returncode:
                raise SystemExit("relay accept %s: %s" % (case, r.stderr))
            seen = False
            while not seen:
                for e in park.new_events():
                    seen |= e["record"]["case_id"] == case and e["record"]["type"] == "accept"
                if not seen:
                    if (time.monotonic() - t0) > 30:
                        raise SystemExit("the ACCEPT of %s never reached the park" % case)
                    time.sleep(0.0005)
            delivery.append((time.monotonic() - t0) * 1e3)
        daemon = bench(["step", os.path.join(sz.dir, "control.sock"), "accept"]
                       + spread(cases, samples, 1, 4))
        feed_cli = [park.accept(case) for case in spread(cases, samples, 2, 4)]
        feed_daemon = bench(["feed-step"] + park.conn()[1::2] + ["accept"] + spread(cases, samples, 3, 4))
        park.stop()
        return {"relay_accept_cli_ms": statistics.median(cli),
                "relay_accept_daemon_ms": statistics.median(daemon),
                "feed_accept_cli_ms": statistics.median(feed_cli),
                "feed_accept_daemon_ms": statistics.median(feed_daemon),
                "feed_delivery_ms": statistics.median(delivery)}


def main():
    sizes = [int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "100,10000,100000").split(",")]
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    results = {n: run_size(n, samples) for n in sizes}
    for n in sizes:
        print("relay_events: %d events" % n)
        for key, value in results[n].items():
            print("%s_%d: %.3f ms (median of %d)" % (key, n, value, samples))
    lo, hi = min(sizes), max(sizes)
    for key in results[lo]:
        print("%s_ratio_%d_to_%d: %.2f x" % (key, hi, lo, results[hi][key] / results[lo][key]))


if __name__ == "__main__":
    main()
