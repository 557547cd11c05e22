"""The partner-park feed: a case proposed in Shanghai for a park in Suzhou reaches that
park's yrdx-feed through Hangzhou; the park accepts through its feed and the case is
ACCEPTED on every node; a second park's feed never sees it although it asks for
everything from cursor 0; a feed killed with SIGKILL and restarted delivers every event
exactly once after de-duplication by event id, losing none; --exec retries a failing
command without moving the cursor."""
import base64
import json
import os
import signal
import subprocess
import unittest

from harness import FEED, Federation, Feed, case_state, enterprise, same_digest, wait_until



def text(path):
    """The file's contents, or "" while it does not exist."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def park(pid, name, industries):
    return {"id": pid, "name": name, "city": 320500, "type": "characteristic_park",
            "industries": industries, "capacity": 50}


def curve_key_b64(ed25519_b64):
    """The X25519 (CURVE) form of an Ed25519 public key, in base64, as yrdxd's ZAP handler
    logs a client's key: u = (1 + y) / (1 - y) mod 2^255 - 19 (RFC 7748, section 4.1)."""
    p = 2**255 - 19
    y = int.from_bytes(base64.b64decode(ed25519_b64), "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, p - 2, p) % p
    return base64.b64encode(u.to_bytes(32, "little")).decode()


class FeedTest(unittest.TestCase):
    def test_park_feed(self):
        with Federation("feed") as fed:
            sh = fed.node("shanghai", 310000)
            hz = fed.node("hangzhou", 330100)
            sz = fed.node("suzhou", 320500)
            fed.link(sh, hz)
            fed.link(hz, sz)
            sip = Feed(fed, sz, "sip")
            fashion = Feed(fed, sz, "fashion")
            icpark = Feed(fed, sz, "icpark")
            feeds = [sip, fashion, icpark]
            try:
                for n in (sh, hz, sz):
                    n.start()
                sz.put("park", [park("SZ-PARK-SIP", "苏州工业园区", ["integrated_circuits"]),
                                park("SZ-PARK-FASHION", "苏州时尚产业园", ["fashion_consumer_goods"]),
                                park("SZ-PARK-IC", "苏州集成电路产业园", ["integrated_circuits"])])
                # Parks of Suzhou's own registry, authorised once registered.
                sz.ctl("park", "add", "sip", "SZ-PARK-SIP", sip.pubkey)
                # Suzhou's policy shows these two parks open cases that fit their industries.
                sz.ctl("park", "add", "fashion", "SZ-PARK-FASHION", fashion.pubkey, "--open-cases")
                sz.ctl("park", "add", "icpark", "SZ-PARK-IC", icpark.pubkey, "--open-cases")
                ents = [enterprise(i) for i in range(12)]
                sh.put("enterprise", ents)
                wait_until(lambda: same_digest(sh, hz, sz), 20, "the registries everywhere")
                sip.start()
                fashion.start()
                icpark.start()

                first = sh.ctl_json("relay", "propose", ents[0]["credit_code"], "--to-park", "SZ-PARK-SIP")["case"]
                wait_until(lambda: any(e["record"]["case_id"] == first for e in sip.events()), 10,
                           "the proposal at the SIP park's feed")
                ev = sip.events()[0]
                self.assertEqual(ev["why"], "addressed")
                self.assertEqual(ev["record"]["type"], "propose")
                self.assertTrue(ev["event_id"].endswith("/%d" % ev["seq"]))

                # An open opportunity for the park whose industries fit (policy), not addressed
                # to it: it sees the proposal only, and may not act on it.
                wait_until(lambda: any(e["record"]["case_id"] == first for e in icpark.events()), 10,
                           "the open case at the IC park's feed")
                self.assertEqual(icpark.events()[0]["why"], "open-case")
                self.assertEqual(icpark.act("accept", first).returncode, 2)

                # The other park may not act on it; the addressed park accepts through its feed.
                r = fashion.act("accept", first)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("not addressed to park SZ-PARK-FASHION", r.stderr)
                r = sip.act("accept", first)
                self.assertEqual(r.returncode, 0, r.stderr)
                for n in (sh, hz, sz):
                    wait_until(lambda n=n: case_state(n, first) == "accepted", 10,
                               "ACCEPTED at %s" % n.name)
                wait_until(lambda: len(sip.events()) >= 2, 10, "the accept at the feed too")

                # SIGKILL the feed; more cases arrive while it is down and after it restarts.
                sip.stop(signal.SIGKILL)
                cases = [first]
                for e in ents[1:6]:
                    cases.append(sh.ctl_json("relay", "propose", e["credit_code"], "--to-park", "SZ-PARK-SIP")["case"])
                sip.start()
                for e in ents[6:12]:
                    cases.append(sh.ctl_json("relay", "propose", e["credit_code"], "--to-park", "SZ-PARK-SIP")["case"])
                expected = set()
                wait_until(lambda: all(case_state(sz, c) for c in cases), 10, "every case at suzhou")
                for line in sz.ctl("--json", "list", "relay-event").stdout.splitlines():
                    row = json.loads(line)
                    if row["record"]["park_id"] == "SZ-PARK-SIP":
                        expected.add("%s/%d" % (row["origin"], row["seq"]))
                self.assertEqual(len(expected), 13)  # 12 proposals and one accept
                wait_until(lambda: {e["event_id"] for e in sip.events()} >= expected, 20,
                           "every event at the restarted feed")
                fstat = {f["park"]: f for f in sz.ctl_json("status")["feeds"]}
                self.assertTrue(fstat["sip"]["connected"])
                self.assertGreater(fstat["sip"]["cursor"], 0)
                self.assertEqual(fstat["sip"]["behind"], 0)
                self.assertEqual(fstat["fashion"]["behind"], 0)
                self.assertIn("PARK FEED", sz.ctl("status").stdout)
                got = [e["event_id"] for e in sip.events()]
                self.assertEqual(set(got), expected, "only the park's own events")
                # At most the batch in flight at the kill comes again: here the accept, or it and the
                # proposal before it.
                self.assertLessEqual(len(got) - len(set(got)), 2, "repeats beyond the batch in flight")

                # The other park asked for everything from cursor 0 and saw nothing (its
                # industries fit no case); the IC park saw the proposals only.
                self.assertEqual(fashion.events(), [])
                self.assertTrue(all(e["record"]["type"] == "propose" and e["why"] == "open-case"
                                    for e in icpark.events()))
                # A park key Shanghai does not trust: Shanghai refuses the handshake and logs the
                # refusal naming the key (its X25519 form, in base64); the feed says which key.
                refused = sh.counters().get("handshakes_refused", 0)
                endpoint = "tcp://127.0.0.1:%d" % sh.feed_port
                r = subprocess.run([FEED, "--node", endpoint, "--node-key", sh.pubkey, "--key", sip.key,
                                    "accept", first], capture_output=True, text=True)
                self.assertEqual((r.returncode, r.stdout), (1, ""))
                self.assertIn("yrdx-feed: the node at %s refused this park's key %s" % (endpoint, sip.pubkey),
                              r.stderr)
                self.assertIn("refused CURVE handshake from 127.0.0.1 on the feed port: CURVE (X25519) "
                              "key %s is not in the trust store" % curve_key_b64(sip.pubkey), sh.log())
                self.assertGreater(sh.counters()["handshakes_refused"], refused)

                # --exec: a failing command is retried and the cursor waits for it.
                ok = os.path.join(fed.root, "ok")
                tried = os.path.join(fed.root, "tried")
                delivered = os.path.join(fed.root, "delivered")
                cmd = "test -f %s || { touch %s; exit 3; }; cat >> %s" % (ok, tried, delivered)
                ex = Feed(fed, sz, "exec", exec_cmd=cmd)
                sz.ctl("park", "add", "sip-exec", "SZ-PARK-SIP", ex.pubkey)
                feeds.append(ex)
                # Started before the node has reloaded its trust store: refused at first,
                # it gets through on its own once the key is trusted.
                ex.start()
                wait_until(lambda: os.path.exists(tried), 25, "the command to fail once")
                # Nothing handed on, so no cursor saved (the feed writes one only when it moves).
                self.assertFalse(os.path.exists(ex.state), "cursor saved: %r" % text(ex.state))
                open(ok, "w").close()
                wait_until(lambda: len(text(delivered).splitlines()) >= 13, 20,
                           "delivery after the retry")
                # The cursor is saved once the batch it came in is handed on.
                wait_until(lambda: int(text(ex.state) or 0) > 0, 10,
                           "the cursor to move past the delivered events")
            finally:
                for f in feeds:
                    if f.proc:
                        f.stop(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
