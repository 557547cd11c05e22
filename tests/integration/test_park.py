"""Trust-store commands and a feed a park can act on (issue 14, points 3 and 4).

- peer list / park list: their shape with the node stopped (said, the trust store alone)
  and running (connection state, last contact or last seen, lag, cursor), text and --json;
- park add refuses another city's park and an unknown id, naming the id, exit 2, the
  config byte for byte and the store digest unchanged;
- a case proposed at Shanghai for a Suzhou park, relayed by Hangzhou: the addressed park's
  yrdx-feed prints the enterprise summary and opens the dossier (the very bytes written at
  Shanghai, file 0600 in a 0700 directory under umask 022); a park of Suzhou's that sees
  the case as an open opportunity and Hangzhou's own park get the summary and no dossier,
  and the dossier's bytes are in no store, no other park's output and no other directory;
  an enterprise Shanghai withholds from Suzhou travels as a stub and the summary says
  nothing of it;
- yrdx-feed with a wrong --node-key, or a park key the node does not authorise, exits
  non-zero within 10 s naming the key problem; the node logs the refused key in base64,
  never in hex."""
import os
import re
import subprocess
import time
import unittest

from harness import FEED, Feed, Federation, enterprise, same_digest, wait_until

SIP_INDUSTRIES = ["integrated_circuits", "future_health"]


def park(pid, name, city, industries):
    return {"id": pid, "name": name, "city": city, "type": "characteristic_park",
            "industries": industries, "capacity": 50}


def incubator(iid, name, city):
    return {"id": iid, "name": name, "city": city, "tier": "high_quality",
            "operator_type": "research_institute", "focus_industries": ["integrated_circuits"]}


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class ParkTest(unittest.TestCase):
    def setUp(self):
        # Every file a test makes would be 0644 and its directories 0755 unless made
        # owner-only on purpose.
        self.umask = os.umask(0o022)

    def tearDown(self):
        os.umask(self.umask)

    def test_lists_and_park_add(self):
        with Federation("park-lists") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            sz = fed.node("suzhou", 320500)
            fed.found()
            fed.link(sh, hz)
            fed.link(hz, sz)
            feed = Feed(fed, sz, "sip")
            feeds = [feed]
            try:
                # -- stopped: said, and the trust store shown without state -----------------
                out = hz.ctl("peer", "list").stdout
                lines = out.splitlines()
                self.assertEqual(lines[0], "yrdxd is not running (no control socket at %s): the "
                                 "trust store of %s, without connection state"
                                 % (os.path.join(hz.dir, "control.sock"), hz.config), out)
                self.assertEqual(lines[1].split(), ["PEER", "KEY", "ENDPOINT", "SHARE"])
                self.assertEqual(lines[-1], "2 peers in the trust store")
                rows = {l.split()[1]: l.split() for l in lines[2:-1]}
                self.assertEqual(rows["shanghai"], ["上海", "shanghai", sh.pubkey, sh.endpoint, "all"])
                self.assertEqual(rows["suzhou"], ["苏州", "suzhou", sz.pubkey, sz.endpoint, "all"])
                j = hz.ctl_json("peer", "list")
                self.assertFalse(j["running"])
                self.assertEqual({p["name"]: (p["key"], p["city"], p["city_name"], p["share"],
                                              p["state"], p["configured"]) for p in j["peers"]},
                                 {"shanghai": (sh.pubkey, 310000, "上海", "all", None, True),
                                  "suzhou": (sz.pubkey, 320500, "苏州", "all", None, True)})
                self.assertEqual(sz.ctl_json("park", "list"), {"running": False, "parks": []})

                # -- park add before the park is registered: refused, nothing written --------
                config_before = read_bytes(sz.config)
                r = sz.ctl("park", "add", "sip", "SZ-PARK-SIP", feed.pubkey, check=False)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("park add: SZ-PARK-SIP is no park in this city's registry "
                              "(苏州 suzhou (320500))", r.stderr)
                self.assertEqual(read_bytes(sz.config), config_before)

                for n in (sh, hz, sz):
                    n.start()
                sz.put("park", [park("SZ-PARK-SIP", "苏州工业园区", 320500, SIP_INDUSTRIES)])
                sh.put("park", [park("SH-PARK-LG", "临港新片区前沿科技产业园", 310000, SIP_INDUSTRIES)])
                wait_until(lambda: same_digest(sh, hz, sz), 20, "the parks everywhere")

                # -- another city's park and an unknown id: refused, naming the id -----------
                digest = sz.digest()["digest"]
                for pid, says in (("SH-PARK-LG", "park add: SH-PARK-LG is a park of 上海 shanghai "
                                   "(310000)'s registry, not of this city's (苏州 suzhou (320500))"),
                                  ("SZ-PARK-NOPE", "park add: SZ-PARK-NOPE is no park in this "
                                   "city's registry (苏州 suzhou (320500))")):
                    r = sz.ctl("park", "add", "bogus", pid, feed.pubkey, check=False)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(says, r.stderr)
                    self.assertIn("nothing written", r.stderr)
                    self.assertEqual(read_bytes(sz.config), config_before)
                    self.assertEqual(sz.digest()["digest"], digest)
                # Shanghai's own park is Shanghai's to authorise.
                sh_feed = Feed(fed, sh, "lg")
                sh.ctl("park", "add", "lg", "SH-PARK-LG", sh_feed.pubkey)

                # -- running: a park's feed down, then connected, last seen, cursor ----------
                sz.ctl("park", "add", "sip", "SZ-PARK-SIP", feed.pubkey)
                self.assertNotEqual(read_bytes(sz.config), config_before)
                j = sz.ctl_json("park", "list")
                self.assertTrue(j["running"])
                self.assertEqual([(p["name"], p["park_id"], p["key"], p["open_cases"])
                                  for p in j["parks"]],
                                 [("sip", "SZ-PARK-SIP", feed.pubkey, False)])
                started = time.time()
                feed.start()

                def connected():
                    p = sz.ctl_json("park", "list")["parks"][0]
                    return p["state"] == "connected" and p
                p = wait_until(connected, 10, "the park's feed connected in park list")
                self.assertGreaterEqual(p["last_seen_ms"], int(started * 1000) - 1000)
                self.assertEqual((p["cursor"], p["behind"]), (0, 0))
                lines = sz.ctl("park", "list").stdout.splitlines()
                self.assertEqual(lines[0].split(), ["PARK", "PARK", "ID", "KEY", "OPEN", "CASES",
                                                    "STATE", "LAST", "SEEN", "CURSOR", "BEHIND"])
                row = lines[1].split()
                self.assertEqual(row[:5], ["sip", "SZ-PARK-SIP", feed.pubkey, "no", "connected"])
                self.assertRegex(" ".join(row[5:7]), r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
                self.assertEqual(row[7:], ["0", "0"])
                self.assertEqual(lines[-1], "1 park authorised on the feed port")

                # -- peer list while running: connected, last contact, nothing behind --------
                def peers_connected():
                    j = hz.ctl_json("peer", "list")
                    return all(p["state"] == "connected" for p in j["peers"]) and j
                j = wait_until(peers_connected, 15, "hangzhou's pull connections up")
                self.assertTrue(j["running"])
                for p in j["peers"]:
                    self.assertEqual(p["behind"], 0)
                    self.assertGreater(p["last_contact_ms"], 0)
                lines = hz.ctl("peer", "list").stdout.splitlines()
                self.assertEqual(lines[0].split(), ["PEER", "KEY", "ENDPOINT", "SHARE", "STATE",
                                                    "LAST", "CONTACT", "BEHIND"])
                for l in lines[1:-1]:
                    self.assertRegex(l, r"^(上海 shanghai|苏州 suzhou) +\S{44} +tcp://127\.0\.0\.1:"
                                        r"\d+ +all +connected +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +0$")
                # Suzhou pulls from Shanghai nowhere in its config; Shanghai from Hangzhou only.
                self.assertEqual([p["name"] for p in sh.ctl_json("peer", "list")["peers"]],
                                 ["hangzhou"])

                # -- a peer down, and the node itself stopped ---------------------------------
                sh.stop()
                wait_until(lambda: {p["name"]: p["state"] for p in hz.ctl_json("peer", "list")["peers"]}
                           == {"shanghai": "down", "suzhou": "connected"}, 15,
                           "shanghai down in hangzhou's peer list")
                feed.stop()
                p = wait_until(lambda: (lambda q: q["state"] == "down" and q)(
                    sz.ctl_json("park", "list")["parks"][0]), 15, "the feed down in park list")
                self.assertGreater(p["last_seen_ms"], 0, "last seen kept once it is gone")
                sz.stop()
                j = sz.ctl_json("park", "list")
                self.assertFalse(j["running"])
                self.assertEqual([(p["name"], p["state"], p["cursor"]) for p in j["parks"]],
                                 [("sip", None, None)])
                self.assertIn("yrdxd is not running", sz.ctl("park", "list").stdout)
            finally:
                for f in feeds:
                    f.stop()

    def test_feed_summary_and_dossier(self):
        with Federation("park-feed") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            sz = fed.node("suzhou", 320500)
            fed.found()
            fed.link(sh, hz)
            fed.link(hz, sz)
            fed.link(sh, sz)
            sip = Feed(fed, sz, "sip", dossier_dir=os.path.join(fed.root, "feed-sip", "dossiers"))
            ic = Feed(fed, sz, "ic", dossier_dir=os.path.join(fed.root, "feed-ic", "dossiers"))
            hzp = Feed(fed, hz, "fst", dossier_dir=os.path.join(fed.root, "feed-fst", "dossiers"))
            feeds = [sip, ic, hzp]
            try:
                for n in (sh, hz, sz):
                    n.start()
                sz.put("park", [park("SZ-PARK-SIP", "苏州工业园区", 320500, SIP_INDUSTRIES),
                                park("SZ-PARK-IC", "苏州集成电路产业园", 320500, SIP_INDUSTRIES)])
                hz.put("park", [park("HZ-PARK-FST", "杭州未来科技城", 330100, SIP_INDUSTRIES)])
                sh.put("incubator", [incubator("INC-0001", "上海示例孵化器", 310000)])
                ents = [enterprise(i) for i in range(3)]
                sh.put("enterprise", ents)
                wait_until(lambda: same_digest(sh, hz, sz), 20, "the registries everywhere")
                sz.ctl("park", "add", "sip", "SZ-PARK-SIP", sip.pubkey)
                sz.ctl("park", "add", "ic", "SZ-PARK-IC", ic.pubkey, "--open-cases")
                hz.ctl("park", "add", "fst", "HZ-PARK-FST", hzp.pubkey, "--open-cases")
                for f in feeds:
                    f.start()

                secret = "营业收入 3200 万元; 研发投入 860 万元; 估值 9.9 亿元 (dossier-%d)" % os.getpid()
                dossier = os.path.join(sh.dir, "dossier.txt")
                with open(dossier, "w") as f:
                    f.write(secret)
                case = sh.ctl_json("relay", "propose", ents[1]["credit_code"], "--to-park",
                                   "SZ-PARK-SIP", "--dossier", dossier)["case"]
                for f in feeds:
                    wait_until(lambda f=f: f.case_events(case), 15,
                               "the proposal at %s's feed" % os.path.basename(f.dir))

                # The addressed park: the summary and the dossier, opened.
                ev = sip.case_events(case)[0]
                self.assertEqual(ev["why"], "addressed")
                e = ents[1]
                self.assertEqual(ev["summary"], {
                    "enterprise": {"credit_code": e["credit_code"], "name": e["name"],
                                   "city": 310000, "stage": "growth",
                                   "incubator_ids": e["incubator_ids"],
                                   "industries": e["industries"],
                                   "qualifications": e["qualifications"]},
                    "incubator": {"id": "INC-0001", "name": "上海示例孵化器"},
                    "proposer": {"key": sh.pubkey, "name": "shanghai", "city": 310000,
                                 "city_name": "上海"}})
                path = os.path.join(sip.dossier_dir, case + ".dossier")
                self.assertEqual(ev["dossier"], {"sealed_bytes": len(secret.encode()) + 48,
                                                 "file": path})
                self.assertEqual(read_bytes(path), secret.encode())
                self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
                self.assertEqual(os.stat(sip.dossier_dir).st_mode & 0o777, 0o700)

                # An open opportunity at Suzhou, and Hangzhou's park (Hangzhou relays the case):
                # the summary, no dossier, and the dossier's bytes nowhere of theirs.
                for f, why in ((ic, "open-case"), (hzp, "open-case")):
                    ev2 = f.case_events(case)[0]
                    self.assertEqual(ev2["why"], why)
                    self.assertEqual(ev2["summary"], ev["summary"])
                    self.assertNotIn("dossier", ev2)
                    self.assertFalse(os.path.exists(f.dossier_dir), f.dossier_dir)
                    self.assertNotIn(secret.encode(), read_bytes(f.out))
                # No store holds the dossier's bytes: it travels sealed, opened only at the
                # destination, and sealed again for its park alone.
                for n in (sh, hz, sz):
                    self.assertNotIn(secret.encode(), read_bytes(os.path.join(n.dir, "data", "data.mdb")),
                                     n.name)
                # The other parks cannot act on it either.
                self.assertEqual(ic.act("accept", case).returncode, 2)
                r = sip.act("accept", case)
                self.assertEqual(r.returncode, 0, r.stderr)
                wait_until(lambda: len(sip.case_events(case)) >= 2, 10, "the accept at the feed")
                acc = sip.case_events(case)[1]
                self.assertEqual(acc["record"]["type"], "accept")
                self.assertEqual(acc["summary"]["enterprise"]["name"], e["name"],
                                 "every event of the case carries the summary")
                self.assertNotIn("dossier", acc)

                # What Shanghai withholds from Suzhou is not in Suzhou's summary: a new
                # enterprise travels to Suzhou as a stub; its case comes, the enterprise not.
                sh.ctl("peer", "remove", "suzhou")
                sh.ctl("peer", "add", "suzhou", "--share", "incubator,park,relay-event,joint,evaluation")
                wait_until(lambda: "1 city with a share of its own" in sh.log()
                           or "1 city with a share of their own" in sh.log(), 10,
                           "shanghai's new sharing policy published")
                withheld = enterprise(7)
                sh.put("enterprise", [withheld])
                case2 = sh.ctl_json("relay", "propose", withheld["credit_code"], "--to-park",
                                    "SZ-PARK-SIP")["case"]
                wait_until(lambda: sip.case_events(case2), 15, "the second proposal at the feed")
                s2 = sip.case_events(case2)[0]["summary"]
                self.assertIsNone(s2["enterprise"], "a stub at suzhou: no enterprise to show")
                self.assertEqual(s2["proposer"]["name"], "shanghai")
                code = withheld["credit_code"]
                self.assertNotIn(code, sz.ctl("export", "--kind", "enterprise").stdout)
                self.assertIn(code, hz.ctl("export", "--kind", "enterprise").stdout)
            finally:
                for f in feeds:
                    f.stop()

    def test_feed_key_problems(self):
        with Federation("park-keys") as fed:
            sz = fed.node("suzhou", 320500)
            other = fed.node("hangzhou", 330100)  # its key is not suzhou's
            good = Feed(fed, sz, "sip")
            stranger = Feed(fed, sz, "stranger")  # never authorised
            try:
                sz.start()
                sz.put("park", [park("SZ-PARK-SIP", "苏州工业园区", 320500, SIP_INDUSTRIES)])
                sz.ctl("park", "add", "sip", "SZ-PARK-SIP", good.pubkey)
                endpoint = "tcp://127.0.0.1:%d" % sz.feed_port
                state = os.path.join(fed.root, "state")
                cases = (
                    # wrong --node-key: the node cannot open our handshake
                    (good.key, other.pubkey, 2,
                     "yrdx-feed: the node at %s closed every handshake for 3 s: --node-key %s is "
                     "not that node's key" % (endpoint, other.pubkey)),
                    # a park key the node does not authorise
                    (stranger.key, sz.pubkey, 1,
                     "yrdx-feed: the node at %s refused this park's key %s (--key %s): it is not "
                     "in that node's trust store" % (endpoint, stranger.pubkey, stranger.key)),
                )
                for key, node_key, code, says in cases:
                    for verb in (["--state", state, "run"], ["accept", "shanghai-1-0011223344556677"]):
                        t0 = time.monotonic()
                        r = subprocess.run([FEED, "--node", endpoint, "--node-key", node_key,
                                            "--key", key] + verb, capture_output=True, text=True,
                                           timeout=30)
                        took = time.monotonic() - t0
                        self.assertEqual(r.returncode, code, (verb, r.stderr))
                        self.assertIn(says, r.stderr)
                        self.assertLess(took, 10, "%s said in %.1f s" % (verb[-1], took))
                        print("%s with %s: exit %d after %.2f s" % (verb[-1], "a wrong node key" if code == 2
                              else "an unauthorised park key", code, took), flush=True)
                self.assertFalse(os.path.exists(state), "nothing received, no cursor")
                # The good key and the right node key: the feed runs (and keeps running).
                good.start()
                wait_until(lambda: sz.ctl_json("park", "list")["parks"][0]["state"] == "connected",
                           10, "the authorised feed connected")
                self.assertIsNone(good.proc.poll(), good.stderr())
                # The node logs the refused key in base64, never a key in hex.
                log = sz.log()
                self.assertRegex(log, r"refused CURVE handshake from 127\.0\.0\.1 on the feed port: "
                                      r"CURVE \(X25519\) key [A-Za-z0-9+/]{43}= is not in the trust store")
                self.assertIsNone(re.search(r"\b[0-9a-f]{64}\b", log), "a key in hex in the log")
            finally:
                good.stop()


if __name__ == "__main__":
    unittest.main()
