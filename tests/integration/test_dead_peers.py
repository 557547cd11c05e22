"""(f) Peers that are configured but unreachable cost next to nothing.

A node with DEAD_PEERS peers whose endpoints are loopback ports where nothing listens
(their keys are fresh, their nodes never exist) must try each of them no more often than
its reconnect back-off allows (doubling from reconnect_min_ms up to reconnect_max_ms), and
must idle on about the CPU of a node with no peers at all, measured in the same window.

Connection attempts are counted with strace (connect(2) calls to the dead ports, every
thread of the daemon, ZeroMQ's I/O threads included); CPU is utime + stime from
/proc/PID/stat. The two are measured in consecutive windows, so that strace's own cost
does not count as the daemon's CPU.

Then the liveness property: one of the dead peers comes to life (a node started on its
port, with its key) and new writes at that node reach ours within LIVENESS_S."""
import os
import random
import re
import shutil
import signal
import subprocess
import time
import unittest

from harness import Federation, enterprise, free_port, wait_converged, wait_tip

DEAD_PEERS = 48

HEARTBEAT_MS = 1000
DEAD_AFTER_MS = 5000
RECONNECT_MIN_MS = 100
RECONNECT_MAX_MS = 5000

WARMUP_S = 5   # the back-off of every dead peer has climbed (100 ms doubling) to its cap
WINDOW_S = 10  # each measurement window

# With the back-off capped at reconnect_max_ms, a dead peer is tried at most once per
# reconnect_max_ms once warmed up: WINDOW_S / reconnect_max_s attempts in the window, plus a
# few for the window's edges and for jitter. (The issue measured 132-143 per dead port in
# 30 s: one about every 220 ms.)
CONNECTS_PER_PEER_MAX = WINDOW_S / (RECONNECT_MAX_MS / 1000) + 3
CONNECTS_MAX = DEAD_PEERS * CONNECTS_PER_PEER_MAX

# Idle CPU of the node with dead peers over WINDOW_S: at most CPU_RATIO times that of the
# node without peers in the same window, or CPU_FLOOR_S, whichever is larger (the floor
# keeps a near-zero baseline, counted in 10 ms clock ticks, from making the ratio
# meaningless: 0.3 s in 10 s is 3%).
# The issue measured 1.5% against 0.1%.
CPU_RATIO = 3
CPU_FLOOR_S = 0.3

# Once the dead peer is alive, a new write there must reach the node within this bound:
# the node retries it within reconnect_max_ms (5 s); 15 s leaves room for a loaded machine.
LIVENESS_S = 15

SEED = int(os.environ.get("YRDX_SEED") or time.time_ns() % 1000000007)
print("test_dead_peers: seed %d (YRDX_SEED=%d repeats this run)" % (SEED, SEED), flush=True)

STRACE = shutil.which("strace")


def count_connects(pid, ports, seconds, out_path):
    """Runs strace on every thread of pid for the stated interval; returns a dict port ->
    number of connect(2) calls to 127.0.0.1:port, for the ports given."""
    tracer = subprocess.Popen([STRACE, "-f", "-qq", "-e", "trace=connect", "-o", out_path,
                               "-p", str(pid)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(seconds)  # the window: the daemon runs, strace counts
    finally:
        tracer.send_signal(signal.SIGINT)  # strace detaches and exits
        _, err = tracer.communicate(timeout=30)
    counts = dict.fromkeys(ports, 0)
    with open(out_path) as f:
        for line in f:
            m = re.search(r"connect\(\d+, \{sa_family=AF_INET, sin_port=htons\((\d+)\)", line)
            if m and int(m.group(1)) in counts:
                counts[int(m.group(1))] += 1
    return counts, err


def cpu_window(nodes, seconds):
    before = [n.cpu_seconds() for n in nodes]
    time.sleep(seconds)  # the window: the nodes idle, we only read their CPU time after
    return [n.cpu_seconds() - b for n, b in zip(nodes, before)]


@unittest.skipUnless(STRACE, "strace is not installed (deploy/install-deps.sh)")
class DeadPeersTest(unittest.TestCase):
    def test_unreachable_peers_back_off_and_idle(self):
        rng = random.Random("%d %s" % (SEED, self.id()))
        with Federation("dead-peers") as fed:
            node = fed.node("shanghai")
            lone = fed.node("hangzhou", 330100)  # no peers: the baseline
            # One of the dead peers is a node initialised now and started only at the end,
            # for the liveness check; the others are a fresh key and a free port each.
            spare = fed.node("suzhou", 320500)
            spare_at = rng.randrange(DEAD_PEERS)
            dead = []
            for i in range(DEAD_PEERS):
                if i == spare_at:
                    name, port, key = spare.name, spare.peer_port, spare.pubkey
                else:
                    name, port = "dead%02d" % i, free_port()  # nothing listens there
                    key = node.ctl_json("keygen", os.path.join(fed.root, name + ".key"),
                                        config=False)["public_key"]
                node.ctl("peer", "add", name, "tcp://127.0.0.1:%d" % port, key)
                dead.append((name, port, key))
            for n in (node, lone):
                n.set_sync(heartbeat_ms=HEARTBEAT_MS, dead_after_ms=DEAD_AFTER_MS,
                           reconnect_min_ms=RECONNECT_MIN_MS, reconnect_max_ms=RECONNECT_MAX_MS)
            node.start()
            lone.start()
            time.sleep(WARMUP_S)  # let the back-off of every dead peer climb to its cap

            cpu_dead, cpu_lone = cpu_window([node, lone], WINDOW_S)
            ports = [p for _, p, _ in dead]
            counts, strace_err = count_connects(node.proc.pid, ports, WINDOW_S,
                                                os.path.join(fed.root, "connects.strace"))
            total = sum(counts.values())
            per_port = sorted(counts.values())
            print("%s: %d connect() calls to %d dead ports in %d s (per port min %d, median %d, "
                  "max %d); CPU in %d s: %.3f s with dead peers, %.3f s without"
                  % (self.id(), total, DEAD_PEERS, WINDOW_S, per_port[0],
                     per_port[len(per_port) // 2], per_port[-1], WINDOW_S, cpu_dead, cpu_lone),
                  flush=True)
            self.assertGreater(total, 0, "strace saw no connect() at all: is it tracing the "
                               "daemon's threads? (%s)" % strace_err.strip())
            cpu_max = max(CPU_RATIO * cpu_lone, CPU_FLOOR_S)
            problems = []
            if total > CONNECTS_MAX:
                problems.append(
                    "%d connect() calls to %d dead ports in %d s (%.0f per port, up to %d), with "
                    "the back-off capped at %d ms: expected at most %d (%.0f per port)"
                    % (total, DEAD_PEERS, WINDOW_S, total / DEAD_PEERS, per_port[-1],
                       RECONNECT_MAX_MS, CONNECTS_MAX, CONNECTS_PER_PEER_MAX))
            if cpu_dead > cpu_max:
                problems.append(
                    "idle CPU over %d s: %.3f s with %d dead peers, %.3f s with none; expected "
                    "at most %.3f s" % (WINDOW_S, cpu_dead, DEAD_PEERS, cpu_lone, cpu_max))
            if problems:
                self.fail("; ".join(problems))

            # Liveness: one of the dead peers comes to life; its new writes reach the node.
            spare.peer_add(node)
            spare.start()
            spare.put("enterprise", [enterprise(i, 320500, "320505") for i in range(500)])
            wait_tip([node], spare, LIVENESS_S,
                     "500 records written at %s, a dead peer come to life, to reach %s"
                     % (spare.name, node.name))
            wait_converged([node, spare], LIVENESS_S, "identical digests")
            for n in (node, spare):
                self.assertEqual(n.tip(spare.pubkey), 500, n.name)
                self.assertTrue(n.verify()["ok"], n.name)
            self.assertEqual(len(node.export(origin=spare.pubkey)), 500,
                             "records of %s held with a body at %s" % (spare.name, node.name))


if __name__ == "__main__":
    unittest.main()
