"""Trust, peers and accepted origins follow the charter (联盟章程); revocation.

(a) An origin outside the charter, offered by a trusted member, is never stored anywhere.
    Hefei synced the log of "nanjing" (no member) before the charter was installed, and
    keeps it as a config peer. Under the charter: Hefei skips that config peer (an error
    in its log) and refuses nanjing's handshakes (refused_key); the members that pull
    from Hefei are offered nanjing's origin and refuse it (refused_nonmember, a log line
    naming the peer and the origin key in full): no other member's store holds it.
(b) `peer add NAME` takes key and endpoint from the charter; a key that is not the
    charter's is refused at add with a message naming both keys, and a config peer with
    such a key (written before the charter) is skipped by the daemon, said in its log. A
    member that pulls from a node that does not pull from it is pulled from in return
    ("(charter)" in status), so data flows both ways with one config entry.
(c) Revocation: a version 2 that revokes Hefei after its tip R is installed at the other
    members. Hefei goes on writing under version 1: nothing of its log past R is stored
    at the others, its first R changes stay (counts, export), its handshakes are refused
    (refused_key) and the others pull from it no more.

Each case ends with the liveness property: a new write at a member reaches every other
member within LIVENESS_S, identical digests, verify passing.

Charters are founded with `yrdxctl charter member/draft/sign/install` (harness fed.found).
In (c) the revoking version 2 is made by tests/charter_tool (signed with the two other
members' key files, the threshold) and installed with `charter install` at the stopped
members, as at cities that sign offline; Hefei, left on version 1, is a city that never
adopted it. (d) revokes through the federation (`charter propose revoke`, then `charter
sign`), adopted live at every node; it runs where yrdxctl has those commands."""
import os
import subprocess
import time
import unittest

from harness import (BUILD, LIVENESS_S, NEW_RECORDS, Federation, Writer, check_live,
                     enterprise, free_port, run_seed, tune, wait_converged, wait_tip,
                     wait_until)

SEED = run_seed("test_charter_members")
TOOL = os.path.join(BUILD, "tests/charter_tool")

HEFEI, NANJING = 340100, 320100

def tool(*args):
    r = subprocess.run([TOOL] + list(args), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("charter_tool %s failed: %s%s" % (" ".join(args), r.stdout, r.stderr))
    return r


def city_records(start, n, city, district):
    return [enterprise(i, city=city, district=district) for i in range(start, start + n)]


def origins(node):
    return {o["origin"]: o["seq"] for o in node.digest()["origins"]}


def live(test, origin, nodes, records, same):
    """records written at origin reach every node in nodes within LIVENESS_S; the nodes in
    same then have identical digests; every one verifies and holds each body."""
    before = origin.tip(origin.pubkey)
    origin.put("enterprise", records)
    target = before + len(records)
    test.assertEqual(origin.tip(origin.pubkey), target)
    t0 = time.monotonic()
    wait_tip(nodes, origin, LIVENESS_S, "%d new records at %s to reach %s"
             % (len(records), origin.name, ", ".join(n.name for n in nodes)))
    print("liveness: %d new records at %s reached %s in %.2f s (bound %d s)"
          % (len(records), origin.name, ", ".join(n.name for n in nodes),
             time.monotonic() - t0, LIVENESS_S), flush=True)
    wait_converged(same, LIVENESS_S, "identical digests of %s" % ", ".join(n.name for n in same))
    for n in [origin] + list(nodes):
        test.assertTrue(n.verify()["ok"], n.name)
        test.assertEqual(len(n.export(origin=origin.pubkey)), target,
                         "%s's bodies of %s's records" % (n.name, origin.name))


def peer_names(node):
    return {p["name"]: p for p in node.status()["peers"]}


class CharterMembers(unittest.TestCase):
    def test_a_nonmember_origin_is_stored_nowhere(self):
        with Federation("charter-nonmember") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100, metrics=free_port())  # its console, below
            hf = fed.node("hefei", HEFEI)
            nj = fed.node("nanjing", NANJING)
            tune(sh, hz, hf, nj)
            # Before any charter: Hefei and nanjing trust each other, Hefei holds nanjing's log.
            fed.link(hf, nj)
            hf.start()
            nj.start()
            nj.put("enterprise", city_records(0, 200, NANJING, "320102"))
            wait_tip([hf], nj, LIVENESS_S, "Hefei's legacy sync of nanjing")
            held = hf.tip(nj.pubkey)
            self.assertEqual(held, 200)
            hf.stop()
            nj.stop()

            fed.found(2, [sh, hz, hf])
            # Shanghai pulls from Hangzhou and Hefei, Hangzhou from Hefei; Hefei's only
            # config peer is nanjing. Every peer named by name alone: the charter has the rest.
            sh.ctl("peer", "add", "hangzhou")
            sh.ctl("peer", "add", "hefei")
            hz.ctl("peer", "add", "hefei")
            r = hf.ctl("peer", "add", "nanjing-again", nj.endpoint, nj.pubkey, check=False)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("no member of charter version 1 is named nanjing-again", r.stderr)
            for n in (sh, hz, hf, nj):
                n.start()

            # Hefei: its config peer nanjing skipped, nanjing's handshakes refused.
            wait_until(lambda: hf.counters()["refused_key"] >= 1, LIVENESS_S,
                       "Hefei to refuse nanjing's handshake")
            self.assertIn("peer nanjing: no member of charter version 1 is named nanjing: not "
                          "pulled from", hf.log())
            self.assertRegex(hf.log(), r"refused CURVE handshake from [^\n]* on the peer port: "
                             r"CURVE \(X25519\) key [A-Za-z0-9+/]{43}= is not any active member's of charter "
                             r"version 1")
            self.assertNotIn("nanjing", peer_names(hf))

            # The members that pull from Hefei are offered nanjing's origin, and refuse it.
            line = "peer hefei offers origin %s, which is no member of charter version 1" \
                % nj.pubkey
            for n in (sh, hz):
                wait_until(lambda: n.counters()["refused_nonmember"] >= 1, LIVENESS_S,
                           "%s to refuse nanjing's origin offered by Hefei" % n.name)
                self.assertIn(line, n.log())
            # Hangzhou's console names the refusal: unknown origin, from Hefei, nanjing's key.
            row = '<tr class=refusal data-reason="refused_nonmember" data-kind="unknown_origin">'
            page = wait_until(lambda: (lambda t: t if row in t else None)(hz.http()[2]),
                              LIVENESS_S, "Hangzhou's console to show the refusal")
            refusal = page[page.index(row):].split("</tr>")[0]
            self.assertIn("<td>hefei<td><code>%s</code>" % nj.pubkey, refusal)
            self.assertIn("offers an origin no member of the charter has", refusal)
            # nanjing writes on; Hefei no longer pulls from it, nobody else ever did.
            nj.put("enterprise", city_records(200, 100, NANJING, "320102"))
            hf.put("enterprise", city_records(0, 100, HEFEI, "340102"))
            wait_tip([sh, hz], hf, LIVENESS_S, "Hefei's own records to reach the members")
            for n in (sh, hz):
                self.assertNotIn(nj.pubkey, origins(n),
                                 "%s stores the non-member origin nanjing" % n.name)
                c = n.counters()
                # once per (peer, origin) per connection: a handful, never one per Tips
                self.assertLessEqual(c["refused_nonmember"], 10, "%s: %r" % (n.name, c))
            self.assertEqual(hf.tip(nj.pubkey), held, "Hefei pulled nanjing after the charter")
            print("nonmember: refused_nonmember shanghai=%d hangzhou=%d; refused_key hefei=%d"
                  % (sh.counters()["refused_nonmember"], hz.counters()["refused_nonmember"],
                     hf.counters()["refused_key"]), flush=True)

            # Reciprocity: Hefei pulls from both members that pull from it, from the charter.
            wait_until(lambda: {"shanghai", "hangzhou"} <= set(peer_names(hf)), LIVENESS_S,
                       "Hefei to pull in return from the members pulling from it")
            self.assertTrue(all(p["charter"] for p in peer_names(hf).values()))
            self.assertIn("shanghai (charter)", hf.ctl("status").stdout)

            # Liveness, both ways: Hefei keeps nanjing's legacy log, so its digest differs
            # from the others' by that origin alone (check_live wants them identical).
            live(self, sh, [hz, hf], Writer(SEED % 100000).batch(NEW_RECORDS), [sh, hz])
            live(self, hf, [sh, hz], city_records(100, NEW_RECORDS, HEFEI, "340102"), [sh, hz])
            for n in (sh, hz):
                self.assertNotIn(nj.pubkey, origins(n))

    def test_b_peers_from_the_charter(self):
        with Federation("charter-peers") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", HEFEI)
            wx = fed.node("wuxi", 320200)  # no charter installed
            tune(sh, hz, hf)
            # Written before the charter, when nothing checked it: Hefei under Shanghai's key.
            hz.ctl("peer", "add", "hefei", hf.endpoint, sh.pubkey)
            fed.found(2, [sh, hz, hf])

            r = sh.ctl("peer", "add", "hangzhou")
            self.assertIn("member hangzhou of charter version 1, key %s, at %s"
                          % (hz.pubkey, hz.endpoint), r.stdout)
            # An endpoint given overrides the charter's; the key still comes from it.
            other = "tcp://localhost:%d" % hf.peer_port
            sh.ctl("peer", "add", "hefei", other)
            hf.ctl("peer", "add", "hangzhou", hz.endpoint, hz.pubkey)  # the charter's key: fine
            with open(sh.config) as f:
                conf = f.read()
            self.assertIn(hz.pubkey, conf)
            self.assertIn(hf.pubkey, conf)
            self.assertIn(other, conf)
            # A key that is not the charter's: refused, the file untouched.
            with open(hz.config) as f:
                before = f.read()
            r = hz.ctl("peer", "add", "shanghai", sh.endpoint, hf.pubkey, check=False)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("peer shanghai: key %s differs from the charter's key %s for member "
                          "shanghai" % (hf.pubkey, sh.pubkey), r.stderr)
            with open(hz.config) as f:
                self.assertEqual(f.read(), before, "a refused peer add changed the config")
            for args, why in ((("nanjing",), "no member of charter version 1 is named nanjing"),
                              (("hangzhou",), "member hangzhou is this node itself")):
                r = hz.ctl("peer", "add", *args, check=False)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(why, r.stderr)
            r = wx.ctl("peer", "add", "hangzhou", check=False)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("this node has no charter installed", r.stderr)

            for n in (sh, hz, hf):
                n.start()
            # Hangzhou skips its config peer with Shanghai's key for hefei, and says so; it
            # pulls from Hefei all the same, in return, because Hefei pulls from it.
            self.assertIn("peer hefei: key %s differs from the charter's key %s for member "
                          "hefei: not pulled from" % (sh.pubkey, hf.pubkey), hz.log())
            wait_until(lambda: "hefei" in peer_names(hz), LIVENESS_S,
                       "Hangzhou to pull from Hefei in return")
            p = peer_names(hz)["hefei"]
            self.assertTrue(p["charter"])
            self.assertEqual((p["key"], p["endpoint"]), (hf.pubkey, hf.endpoint))
            self.assertIn("hefei (charter)", hz.ctl("status").stdout)
            # Hefei pulls from Shanghai in return; Shanghai from Hefei at the endpoint given.
            wait_until(lambda: "shanghai" in peer_names(hf), LIVENESS_S,
                       "Hefei to pull from Shanghai in return")
            self.assertEqual(peer_names(sh)["hefei"]["endpoint"], other)
            self.assertFalse(peer_names(sh)["hefei"]["charter"])

            # The config set right: the peer is a configured one now, its connection kept.
            reloads = hz.counters()["reloads"]
            hz.ctl("peer", "remove", "hefei")
            hz.ctl("peer", "add", "hefei")
            wait_until(lambda: hz.counters()["reloads"] >= reloads + 1
                       and not peer_names(hz).get("hefei", {"charter": True})["charter"],
                       LIVENESS_S, "Hangzhou to pull from Hefei as a configured peer")

            w = Writer(SEED % 100000)
            check_live(self, sh, [hz, hf], w, "with peers named from the charter")
            live(self, hz, [sh, hf], city_records(0, NEW_RECORDS, 330100, "330102"), [sh, hz, hf])

    def test_c_revocation(self):
        with Federation("charter-revoke") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", HEFEI)
            tune(sh, hz, hf)
            v1 = fed.found(2, [sh, hz, hf])
            sh.ctl("peer", "add", "hangzhou")
            sh.ctl("peer", "add", "hefei")
            hz.ctl("peer", "add", "hefei")
            hf.ctl("peer", "add", "shanghai")
            for n in (sh, hz, hf):
                n.start()
            hf.put("enterprise", city_records(0, 150, HEFEI, "340102"))
            kept = wait_tip([sh, hz], hf, LIVENESS_S, "Hefei's records to reach the members")
            wait_until(lambda: {"shanghai", "hangzhou"} <= set(peer_names(hf)), LIVENESS_S,
                       "Hefei to pull from both members")

            # Version 2 revokes Hefei after its tip, signed by Shanghai and Hangzhou (the
            # threshold), installed at both; Hefei is left on version 1 and writes on.
            v2 = os.path.join(fed.root, "charter-v2.yx")
            tool("revoke", v1, v2, "hefei", str(kept), sh.config, hz.config)
            for n in (sh, hz):
                n.stop()
                n.ctl("charter", "install", v2)
                n.start()
            hf.put("enterprise", city_records(150, 100, HEFEI, "340102"))
            self.assertEqual(hf.tip(hf.pubkey), kept + 100)

            # Its handshakes refused at both; neither pulls from it or serves it.
            for n in (sh, hz):
                wait_until(lambda: n.counters()["refused_key"] >= 1, LIVENESS_S,
                           "%s to refuse the revoked Hefei's handshake" % n.name)
                self.assertIn("is not any active member's of charter version 2", n.log())
                self.assertIn("peer hefei: member hefei is revoked (its log ends at seq %d) in "
                              "charter version 2: not pulled from" % kept, n.log())
                self.assertNotIn("hefei", peer_names(n))
            wait_until(lambda: not any(p["connected"] for p in peer_names(hf).values()),
                       LIVENESS_S, "Hefei's pull connections to be dead")
            # Its later changes are stored nowhere; its earlier ones stay, bodies and all.
            for n in (sh, hz):
                self.assertEqual(n.tip(hf.pubkey), kept, "%s: Hefei's tip" % n.name)
                self.assertEqual(len(n.export(origin=hf.pubkey)), kept,
                                 "%s: Hefei's records before the revocation" % n.name)
                self.assertTrue(n.verify()["ok"], n.name)
            print("revocation: Hefei at %d, the others hold its first %d; refused_key "
                  "shanghai=%d hangzhou=%d" % (hf.tip(hf.pubkey), kept,
                                               sh.counters()["refused_key"],
                                               hz.counters()["refused_key"]), flush=True)

            check_live(self, sh, [hz], Writer(SEED % 100000), "after the revocation")
            self.assertEqual(sh.tip(hf.pubkey), kept)
            self.assertEqual(hz.tip(hf.pubkey), kept)

    def test_d_revocation_through_the_federation(self):
        with Federation("charter-revoke-live") as fed:
            sh = fed.node("shanghai")
            hz = fed.node("hangzhou", 330100)
            hf = fed.node("hefei", HEFEI)
            tune(sh, hz, hf)
            fed.found(2, [sh, hz, hf])
            sh.ctl("peer", "add", "hangzhou")
            sh.ctl("peer", "add", "hefei")
            hz.ctl("peer", "add", "hefei")
            hf.ctl("peer", "add", "shanghai")
            for n in (sh, hz, hf):
                n.start()
            hf.put("enterprise", city_records(0, 150, HEFEI, "340102"))
            kept = wait_tip([sh, hz], hf, LIVENESS_S, "Hefei's records to reach the members")
            wait_until(lambda: all(p["connected"] for p in peer_names(hf).values())
                       and {"shanghai", "hangzhou"} <= set(peer_names(hf)), LIVENESS_S,
                       "Hefei pulling from Shanghai and Hangzhou")
            logs = {n.name: len(n.log()) for n in (sh, hz)}

            # Shanghai proposes, Hangzhou signs: the threshold. Every node adopts version 2
            # by itself, with nobody restarted.
            vote = sh.ctl_json("charter", "propose", "revoke", "hefei", "--after", str(kept))
            hz.ctl("charter", "sign", vote["id"])
            for n in (sh, hz):
                wait_until(lambda: n.counters().get("charter_version") == 2, LIVENESS_S,
                           "%s to adopt the revoking version 2" % n.name)
            # Its pull sessions dropped and the pull connections to it closed, at once.
            for n in (sh, hz):
                wait_until(lambda: "hefei" not in peer_names(n), LIVENESS_S,
                           "%s to stop pulling from Hefei" % n.name)
                self.assertIn("peer hefei: no longer an active member of the charter",
                              n.log()[logs[n.name]:])
            hf.put("enterprise", city_records(150, 100, HEFEI, "340102"))
            # Its next handshakes refused at both.
            for n in (sh, hz):
                wait_until(lambda: n.counters()["refused_key"] >= 1, LIVENESS_S,
                           "%s to refuse the revoked Hefei's handshake" % n.name)
                self.assertEqual(n.tip(hf.pubkey), kept, "%s: Hefei's tip" % n.name)
                self.assertEqual(len(n.export(origin=hf.pubkey)), kept)
                self.assertTrue(n.verify()["ok"], n.name)
            print("revocation through the federation: Hefei at %d, the others hold its first "
                  "%d; refused_key shanghai=%d hangzhou=%d, refused_revoked shanghai=%d "
                  "hangzhou=%d" % (hf.tip(hf.pubkey), kept, sh.counters()["refused_key"],
                                   hz.counters()["refused_key"],
                                   sh.counters()["refused_revoked"],
                                   hz.counters()["refused_revoked"]), flush=True)
            # (live(), not check_live(): Shanghai's log holds its vote, a record with no
            # credit code.)
            live(self, sh, [hz], Writer(SEED % 100000).batch(NEW_RECORDS), [sh, hz])
            self.assertEqual(sh.tip(hf.pubkey), kept)
            self.assertEqual(hz.tip(hf.pubkey), kept)


if __name__ == "__main__":
    unittest.main()
