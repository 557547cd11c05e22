"""A compromised member city tries to take over another city's relay case (接力孵化).

Shanghai proposes an enterprise to park SZ-PARK-SIP in Suzhou and the park accepts
through its feed. Hangzhou, a member whose key the attacker holds, then writes under its
own key a PROPOSE reusing the case id, for another Suzhou park, rewritten until its hash
is below that of Shanghai's PROPOSE (the tie-break a derivation taking the lowest-hash
PROPOSE of any origin follows). On every node the case must stay ACCEPTED at SZ-PARK-SIP,
the hostile PROPOSE shown as not applied with the reason; the other park cannot act on
the case; Suzhou's LAND is accepted and reaches every node within LAND_S; verify passes,
the digests agree, and each daemon's anonymous RSS stays under RSS_BOUND_KIB.

The same for a joint agreement (联合孵化): Shanghai proposes one with Hefei; before Hefei
signs, Hangzhou publishes under its own key a participation reusing the agreement id with
parties of its own choosing (itself and Shanghai), rewritten until its hash is the lower.
On every node the agreement keeps Shanghai's terms, Hangzhou's participation is not
counted, Hefei can still sign, and the agreement is active everywhere within LAND_S."""
import json
import os
import random
import subprocess
import time
import unittest

from harness import SANITIZE, BUILD, Federation, enterprise, run_seed, wait_converged, wait_tip, wait_until

EVIL_AUTHOR = os.path.join(BUILD, "tests/evil_author")
FEED = os.path.join(BUILD, "tools/yrdx-feed")

LAND_S = 15                 # the destination's next step reaches every node within this
RSS_BOUND_KIB = 64 * 1024   # each daemon's anonymous resident memory (as test_memory)


def park(pid, name, industries):
    return {"id": pid, "name": name, "city": 320500, "type": "characteristic_park",
            "industries": industries, "capacity": 50}


class ParkKey:
    """A park's feed key, for one-shot yrdx-feed actions at its node."""

    def __init__(self, fed, node, name):
        d = os.path.join(fed.root, "feed-" + name)
        os.makedirs(d)
        self.key = os.path.join(d, "park.key")
        self.pubkey = subprocess.run([FEED, "keygen", self.key], capture_output=True, text=True,
                                     check=True).stdout.strip()
        self.node = node

    def act(self, verb, case):
        return subprocess.run([FEED, "--node", "tcp://127.0.0.1:%d" % self.node.feed_port,
                               "--node-key", self.node.pubkey, "--key", self.key, verb, case],
                              capture_output=True, text=True, timeout=30)


def incubator(iid, name, city):
    return {"id": iid, "name": name, "city": city, "tier": "high_quality",
            "operator_type": "research_institute", "focus_industries": ["integrated_circuits"]}


def agreement_state(node, agreement):
    for line in node.ctl("--json", "joint", "list").stdout.splitlines():
        row = json.loads(line)
        if row["agreement"] == agreement:
            return row["state"]
    return None


def case_row(node, case):
    for line in node.ctl("--json", "relay", "list").stdout.splitlines():
        row = json.loads(line)
        if row["case"] == case:
            return row
    return None


def case_state(node, case):
    row = case_row(node, case)
    return row and row["state"]


class HostileRelayTest(unittest.TestCase):
    def test_propose_reusing_a_case_id_takes_nothing_over(self):
        rng = random.Random(run_seed("test_hostile_relay"))
        with Federation("hostile-relay") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            sz = fed.node("suzhou", 320500)
            fed.link(sh, hz)
            fed.link(hz, sz)
            fed.link(sz, sh)
            sip = ParkKey(fed, sz, "sip")
            fashion = ParkKey(fed, sz, "fashion")
            nodes = (sh, hz, sz)
            for n in nodes:
                n.start()
            ent = enterprise(rng.randrange(1000))
            sh.put("enterprise", [ent])
            sz.put("park", [park("SZ-PARK-SIP", "苏州工业园区", ["integrated_circuits"]),
                            park("SZ-PARK-FASHION", "苏州时尚产业园", ["fashion_consumer_goods"])])
            # a park is authorised once its city's registry holds it
            sz.ctl("park", "add", "sip", "SZ-PARK-SIP", sip.pubkey)
            sz.ctl("park", "add", "fashion", "SZ-PARK-FASHION", fashion.pubkey)
            wait_converged(nodes, 20, "the enterprise and the parks everywhere")

            case = sh.ctl_json("relay", "propose", ent["credit_code"], "--to-park",
                               "SZ-PARK-SIP")["case"]
            wait_until(lambda: case_state(sz, case) == "proposed", 10, "the proposal at suzhou")
            r = sip.act("accept", case)
            self.assertEqual(r.returncode, 0, r.stderr)
            for n in nodes:
                wait_until(lambda n=n: case_state(n, case) == "accepted", 10,
                           "case %s ACCEPTED at %s" % (case, n.name))
            propose_seq = sh.ctl_json("relay", "show", case)["events"][0]["seq"]

            # The attack: Hangzhou's own key signs a PROPOSE reusing the case id.
            hz.stop()
            r = subprocess.run([EVIL_AUTHOR, "-c", hz.config, "propose", case, "SZ-PARK-FASHION",
                                "--lower"], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            evil = json.loads(r.stdout)
            print("hostile PROPOSE at hangzhou seq %d, hash %s… below %s… (%d tries)"
                  % (evil["seq"], evil["hash"][:12], evil["beat"][:12], evil["tries"]), flush=True)
            self.assertLess(evil["hash"], evil["beat"])
            hz.start()
            wait_tip([sh, sz], hz, 20, "the hostile PROPOSE at every node")
            wait_converged(nodes, 20, "identical digests after the hostile PROPOSE")

            # Every node, not only the victim: the case is Shanghai's, at the right park.
            for n in nodes:
                row = case_row(n, case)
                print("%s: case %s is %s at %s" % (n.name, case, row and row["state"],
                                                    row and row["park_id"]), flush=True)
                self.assertEqual(row["state"], "accepted", "%s: %r" % (n.name, row))
                self.assertEqual(row["park_id"], "SZ-PARK-SIP", "%s: %r" % (n.name, row))
                self.assertEqual(row["from"], "shanghai", "%s: %r" % (n.name, row))
                shown = n.ctl_json("relay", "show", case)
                applied = [(e["type"], e["signer"], e["seq"]) for e in shown["events"]
                           if e["applied"]]
                self.assertEqual(applied[0], ("propose", sh.pubkey, propose_seq), n.name)
                self.assertEqual([t for t, _, _ in applied], ["propose", "accept"], n.name)
                hostile = [e for e in shown["events"] if e["signer"] == hz.pubkey]
                self.assertEqual(len(hostile), 1, "%s shows %r" % (n.name, shown["events"]))
                self.assertFalse(hostile[0]["applied"])
                self.assertIn("key", hostile[0]["note"], "%s: %r" % (n.name, hostile[0]))

            # The other park cannot act on the case; the right one's city still can.
            r = fashion.act("accept", case)
            self.assertNotEqual(r.returncode, 0, r.stdout)
            self.assertIn("not addressed to park SZ-PARK-FASHION", r.stdout + r.stderr)
            # An id of the old form (no key fingerprint) names no case: refused, saying why.
            old_form = case.rsplit("-", 1)[0]
            r = sz.ctl("relay", "land", old_form, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("%s is not a case id" % old_form, r.stderr)
            sz.ctl("relay", "land", case)
            t0 = time.monotonic()
            for n in nodes:
                wait_until(lambda n=n: case_state(n, case) == "landed", LAND_S - (time.monotonic() - t0),
                           "the LAND at %s" % n.name)
            print("liveness: suzhou's LAND reached every node in %.2f s (bound %d s)"
                  % (time.monotonic() - t0, LAND_S), flush=True)
            wait_converged(nodes, LAND_S, "identical digests after the LAND")
            for n in nodes:
                v = n.verify()
                self.assertTrue(v["ok"], "%s: verify %r" % (n.name, v))
                self.assertEqual(case_row(n, case)["park_id"], "SZ-PARK-SIP")
                rss = n.memory_kib()["RssAnon"]
                print("%s: RssAnon %d KiB (bound %d KiB)" % (n.name, rss, RSS_BOUND_KIB), flush=True)
                if not SANITIZE:
                    self.assertLess(rss, RSS_BOUND_KIB, n.name)

    def test_participation_reusing_an_agreement_id_takes_nothing_over(self):
        rng = random.Random(run_seed("test_hostile_relay.joint"))
        with Federation("hostile-joint") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", 340100)
            fed.link(sh, hz)
            fed.link(hz, hf)
            fed.link(hf, sh)
            nodes = (sh, hz, hf)
            for n in nodes:
                n.start()
            ent = enterprise(rng.randrange(1000))
            sh.put("enterprise", [ent])
            sh.put("incubator", [incubator("SH-INC-0001", "上海张江孵化器", 310000)])
            hf.put("incubator", [incubator("HF-INC-0001", "合肥高新孵化器", 340100)])
            wait_converged(nodes, 20, "the incubators and the enterprise everywhere")
            agreement = sh.ctl_json("joint", "propose", "--incubators", "SH-INC-0001,HF-INC-0001",
                                    "--enterprise", ent["credit_code"])["agreement"]
            for n in nodes:
                wait_until(lambda n=n: agreement_state(n, agreement) == "pending", 10,
                           "agreement %s pending at %s" % (agreement, n.name))

            hz.stop()
            r = subprocess.run([EVIL_AUTHOR, "-c", hz.config, "joint", agreement, "--lower"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            evil = json.loads(r.stdout)
            print("hostile participation at hangzhou seq %d, hash %s… below %s… (%d tries)"
                  % (evil["seq"], evil["hash"][:12], evil["beat"][:12], evil["tries"]), flush=True)
            hz.start()
            wait_tip([sh, hf], hz, 20, "the hostile participation at every node")
            wait_converged(nodes, 20, "identical digests after the hostile participation")

            for n in nodes:
                shown = n.ctl_json("joint", "show", agreement)
                parties = sorted(p["key"] for p in shown["parties"])
                print("%s: agreement %s is %s between %s" % (n.name, agreement, shown["state"],
                                                             [p["name"] or p["key"] for p in shown["parties"]]),
                      flush=True)
                self.assertEqual(shown["state"], "pending", n.name)
                self.assertEqual(parties, sorted([sh.pubkey, hf.pubkey]), n.name)
                hostile = [p for p in shown["participations"] if p["signer"] == hz.pubkey]
                self.assertEqual(len(hostile), 1, "%s: %r" % (n.name, shown["participations"]))
                self.assertFalse(hostile[0]["counted"])
                self.assertIn("differ", hostile[0]["note"])

            hf.ctl("joint", "sign", agreement)
            t0 = time.monotonic()
            for n in nodes:
                wait_until(lambda n=n: agreement_state(n, agreement) == "active",
                           LAND_S - (time.monotonic() - t0), "the agreement active at %s" % n.name)
            print("liveness: hefei's signature reached every node in %.2f s (bound %d s)"
                  % (time.monotonic() - t0, LAND_S), flush=True)
            wait_converged(nodes, LAND_S, "identical digests after the signature")
            for n in nodes:
                v = n.verify()
                self.assertTrue(v["ok"], "%s: verify %r" % (n.name, v))
                rss = n.memory_kib()["RssAnon"]
                print("%s: RssAnon %d KiB (bound %d KiB)" % (n.name, rss, RSS_BOUND_KIB), flush=True)
                if not SANITIZE:
                    self.assertLess(rss, RSS_BOUND_KIB, n.name)


if __name__ == "__main__":
    unittest.main()
