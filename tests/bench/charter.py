"""Charter adoption: CITIES real yrdxd nodes, one per city of config/yrd-cities.tsv, linked
as the federation benchmark links them (Shanghai to the three provincial capitals, the
capitals to each other, every other city to its capital and its provincial neighbour),
founded as one federation (联盟章程 version 1, every city a founder, threshold a bare
majority). Shanghai proposes an amendment (version 2: a higher threshold); the members
after it in code order sign it through the federation, one short of the threshold first;
once every node holds those votes, the last signer signs. The figure is the time from
that threshold-th signature (the moment its `charter sign` returned, the vote committed
in the signer's log) to the last node's adoption of version 2, by each node's own
clock of adoption (`charter status --json`, "adopted_ms"). Repeated RUNS times, each with
fresh nodes.

  python3 tests/bench/charter.py [CITIES] [RUNS]        (defaults 41, 3)

Environment: YRDX_BENCH_DEADLINE_S (120), YRDX_BENCH_PIDS (a file that gets every
daemon's pid, for the calling script's clean-up)."""
import os
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../integration"))
from federation import choose, read_cities, start, topology  # noqa: E402
from harness import Federation  # noqa: E402


def charter_status(node):
    return node.ctl_json("charter", "status")


def votes_held(node, vote_id):
    """How many votes this node holds for the pending proposal vote_id."""
    for p in charter_status(node).get("pending", []):
        if p["id"] == vote_id:
            return len(p["votes"])
    return 0


def wait_all(nodes, cond, deadline_s, what):
    end = time.monotonic() + deadline_s
    while True:
        late = [n.name for n in nodes if not cond(n)]
        if not late:
            return
        if time.monotonic() > end:
            raise SystemExit("%s: not within %g s at %s" % (what, deadline_s, " ".join(late)))
        time.sleep(0.2)


def run(number, cities, links, deadline_s, pids_file):
    fed = Federation("bench-charter")
    try:
        nodes = start(fed, cities, links, pids_file, found=True)
        if nodes is None:
            raise SystemExit("run %d: the links did not come up" % number)
        current = charter_status(nodes[0])
        threshold = current["threshold"]
        proposer = next(n for n in nodes if n.name == "shanghai")
        signers = [n for n in nodes if n is not proposer][:threshold - 1]
        vote = proposer.ctl_json("charter", "propose", "threshold", str(threshold + 1),
                                 "--summary", "bench run %d" % number)["id"]
        wait_all(nodes, lambda n: votes_held(n, vote) >= 1, deadline_s, "the proposal everywhere")
        for s in signers[:-1]:
            s.ctl("charter", "sign", vote)
        wait_all(nodes, lambda n: votes_held(n, vote) >= threshold - 1, deadline_s,
                 "%d votes everywhere" % (threshold - 1))
        assert all(charter_status(n)["version"] == 1 for n in nodes), "adopted below threshold"
        signers[-1].ctl("charter", "sign", vote)
        signed_ms = time.time() * 1000
        wait_all(nodes, lambda n: charter_status(n)["version"] == 2, deadline_s, "version 2 everywhere")
        adopted = {n.name: charter_status(n)["adopted_ms"] for n in nodes}
        return (max(adopted.values()) - signed_ms) / 1000, threshold
    finally:
        fed.close()


def main():
    n_cities = int(sys.argv[1]) if len(sys.argv) > 1 else 41
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    deadline_s = float(os.environ.get("YRDX_BENCH_DEADLINE_S", "120"))
    pids_file = os.environ.get("YRDX_BENCH_PIDS")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cities = choose(read_cities(), n_cities)
    links = topology(cities)
    print("charter_cities: %d nodes, %d links" % (len(cities), len(links)))
    sys.stdout.flush()
    results = []
    for r in range(1, runs + 1):
        took, threshold = run(r, cities, links, deadline_s, pids_file)
        results.append(took)
        print("charter_threshold_run%d: %d signatures" % (r, threshold))
        print("charter_adopt_s_run%d: %.2f s" % (r, took))
        sys.stdout.flush()
    print("charter_adopt_s_median: %.2f s" % statistics.median(results))
    print("charter_adopt_s_max: %.2f s" % max(results))


if __name__ == "__main__":
    main()
