"""Key rotation through the federation (联盟章程), with real nodes.

Five cities founded with threshold 3, each peering with its neighbours only (a chain:
shanghai - hangzhou - nanjing - hefei - wuhu). Hangzhou's log keeps its identity (its
origin, the key it was admitted with) for good; the key that signs its heads changes.

- Hangzhou makes its next key (keygen --next) and proposes its rotation (charter propose
  rotate): its vote at log seq P is the proposal, and the new key signs past P. Until
  the version is decided hangzhou writes nothing (put refused, saying why); a second
  rotation is refused. Shanghai, whose only neighbour is hangzhou, stops once it holds
  the proposal. Nanjing and hefei sign; the four running cities adopt version 2 within
  ADOPT_S, and hangzhou signs with the new key from then on (its key files moved:
  node.key the new one, node.key.old the one before, no node.key.next).
- The rotated city keeps writing: ROT_RECORDS new enterprises at hangzhou reach every
  running city within LIVENESS_S — through two hops to wuhu, its heads past P checked
  against the new key at every store — the digests agree and `verify` passes everywhere
  (a tool's verify checks a rotated member's heads with the keys of the charter the
  store holds). Shanghai starts again at version 1 behind a neighbour on its new key:
  its pull connection tries the key hangzhou proposed, it adopts within ADOPT_S and
  holds the new records within LIVENESS_S, none of them counted as a bad signature.
- Relay: a case to hangzhou proposed before the rotation (its dossier sealed to the old
  key) and one after (sealed to the new key): both dossiers open at hangzhou (relay
  show tries node.key.old too); with node.key.old moved aside only the later one opens,
  which shows each was sealed to the key hangzhou had then. The park's yrdx-feed, told
  the node's new key (--node-key), receives the later case and accepts it; the case is
  ACCEPTED at shanghai.
- An entry signed with the OLD key after the rotation: evil_author writes one into
  hangzhou's log past its tip, going round the store's own key check; hangzhou, made to
  peer with all four (so each pulls from it directly), serves it. Each of the four
  refuses it in its store's signer check (rejected_signature up, a log line naming the
  peer and the head's seq) and holds none of it; the others' new writes still reach every
  one of them within LIVENESS_S. Hangzhou's store and config are then put back.
- Every node restarted: the digests are what they were, nothing is received again
  (changes_received 0 once every session has exchanged tips), verify passes."""
import json
import os
import re
import shutil
import subprocess
import time
import unittest

from harness import (BUILD, LIVENESS_S, Federation, Feed, case_state, enterprise, run_seed, tune,
                     wait_converged, wait_tip, wait_until)

EVIL_AUTHOR = os.path.join(BUILD, "tests/evil_author")

ADOPT_S = 15  # a version made valid by a vote is adopted at every city within this
# A peer that served a segment its store refused is avoided for that origin this long
# (client.c BAD_PEER_MS): after the forged entry, hangzhou's own log comes from hangzhou
# alone, so its next writes arrive within this and LIVENESS_S.
BAD_PEER_S = 30
ROT_RECORDS = 300  # what the rotated city writes with its new key
OTHERS_RECORDS = 200  # what each other city writes while the forged entry is served

# name, city code, a district for its credit codes
CITIES = [("shanghai", 310000, "310115"), ("hangzhou", 330100, "330106"),
          ("nanjing", 320100, "320102"), ("hefei", 340100, "340104"), ("wuhu", 340200, "340202")]


def city_records(name, start, n):
    """n enterprises of the city of node name, numbered from start."""
    _, city, district = next(c for c in CITIES if c[0] == name)
    return [enterprise(i, city=city, district=district, name_prefix="%s样本企业" % name)
            for i in range(start, start + n)]


def charter_status(node):
    return node.ctl_json("charter", "status")


def version(node):
    return charter_status(node)["version"]


def member(node, name):
    for m in charter_status(node)["members"]:
        if m["name"] == name:
            return m
    return None


def pending(node, vote_id):
    for p in charter_status(node)["pending"]:
        if p["id"] == vote_id:
            return p
    return None


def park(pid, name, city, industries):
    return {"id": pid, "name": name, "city": city, "type": "characteristic_park",
            "industries": industries, "capacity": 50}


def feed_cases(feed):
    """The case ids of the events a park's feed printed."""
    return {e["record"]["case_id"] for e in feed.events()}


class CharterRotateTest(unittest.TestCase):
    def found(self):
        """Five cities in a chain, tuned, founded with threshold 3, running."""
        fed = Federation("charter-rotate")
        nodes = [fed.node(name, city) for name, city, _ in CITIES]
        tune(*nodes)
        for a, b in zip(nodes, nodes[1:]):
            fed.link(a, b)
        fed.found(threshold=3, nodes=nodes)
        for n in nodes:
            n.start()
        return fed, nodes

    def sign(self, node, vote_id):
        wait_until(lambda: pending(node, vote_id), ADOPT_S,
                   "proposal %s held at %s" % (vote_id, node.name), interval=0.1)
        return node.ctl_json("charter", "sign", vote_id)

    def wait_version(self, nodes, v, what):
        t0 = time.monotonic()
        wait_until(lambda: all(version(n) == v for n in nodes), ADOPT_S, what, interval=0.1)
        print("%s: version %d at %d cities in %.2f s (bound %d s)"
              % (what, v, len(nodes), time.monotonic() - t0, ADOPT_S), flush=True)

    def held_everywhere(self, origin, nodes, what, bound=LIVENESS_S):
        """origin's log as it stands now reaches every node within bound seconds; then the
        digests agree and every store verifies."""
        t0 = time.monotonic()
        wait_tip(nodes, origin, bound, what)
        print("%s: at %d cities in %.2f s (bound %d s)"
              % (what, len(nodes), time.monotonic() - t0, bound), flush=True)
        wait_converged(nodes, LIVENESS_S, "identical digests: %s" % what)
        for n in nodes:
            v = n.verify()
            self.assertTrue(v["ok"], "%s: verify after %s: %r" % (n.name, what, v))

    # ---------------------------------------------------------------------------------------

    def test_rotation(self):
        run_seed("test_charter_rotate")  # nothing drawn: printed for the record
        fed, nodes = self.found()
        with fed:
            shanghai, hangzhou, nanjing, hefei, wuhu = nodes
            others = [shanghai, nanjing, hefei, wuhu]
            origin = hangzhou.pubkey  # its log's identity, for good
            old_key_file = os.path.join(hangzhou.dir, "node.key")

            # -- before: registries, a park with its feed, a case sealed to the old key ------
            hangzhou.put("park", [park("HZ-PARK-FST", "杭州未来科技城", 330100,
                                       ["integrated_circuits", "digital_economy"])])
            hangzhou.put("enterprise", city_records("hangzhou", 0, 20))
            sh_ents = [enterprise(i) for i in range(4)]
            shanghai.put("enterprise", sh_ents)
            wait_converged(nodes, LIVENESS_S, "the registries everywhere")
            feed = Feed(fed, hangzhou, "fst")
            hangzhou.ctl("park", "add", "fst", "HZ-PARK-FST", feed.pubkey)
            feed.start()
            dossiers = {"before": "营业收入 3200 万元 (轮换前)", "after": "研发投入 860 万元 (轮换后)"}
            files = {}
            for when, text in dossiers.items():
                files[when] = os.path.join(shanghai.dir, "dossier-%s.txt" % when)
                with open(files[when], "w") as f:
                    f.write(text)
            case1 = shanghai.ctl_json("relay", "propose", sh_ents[0]["credit_code"], "--to-park",
                                      "HZ-PARK-FST", "--to", "hangzhou",
                                      "--dossier", files["before"])["case"]
            wait_until(lambda: case1 in feed_cases(feed), LIVENESS_S, "case 1 at the park's feed")
            self.assertEqual(hangzhou.ctl_json("relay", "show", case1)["dossier"],
                             dossiers["before"])

            # -- the proposal: hangzhou's own, its vote at seq P --------------------------------
            r = hangzhou.ctl("charter", "propose", "rotate", check=False)
            self.assertEqual(r.returncode, 2, "no next key yet: %s" % r.stderr)
            self.assertIn("keygen --next", r.stderr)
            new_key = hangzhou.ctl_json("keygen", "--next")["public_key"]
            self.assertNotEqual(new_key, origin)
            next_file = old_key_file + ".next"
            self.assertEqual(os.stat(next_file).st_mode & 0o777, 0o600)
            os.chmod(next_file, 0o644)  # a key others may read is refused, named
            r = hangzhou.ctl("charter", "propose", "rotate", check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(next_file, r.stderr)
            os.chmod(next_file, 0o600)
            tip_before = hangzhou.tip(origin)
            vote = hangzhou.ctl_json("charter", "propose", "rotate")
            p = vote["seq"]
            self.assertEqual(p, tip_before + 1, "the vote is the next entry of hangzhou's log")
            self.assertEqual((vote["version"], vote["votes"], vote["after_seq"], vote["key"]),
                             (2, 1, p, new_key))
            self.assertIn("rotate the key of hangzhou", vote["summary"])
            print("hangzhou proposed its rotation: vote %s at seq %d, new key %s"
                  % (vote["id"], p, new_key), flush=True)
            # fenced until decided, saying why; a second rotation refused
            ent_file = os.path.join(hangzhou.dir, "fenced.ndjson")
            with open(ent_file, "w") as f:
                f.write(json.dumps(city_records("hangzhou", 9999, 1)[0], ensure_ascii=False) + "\n")
            r = hangzhou.ctl("put", "enterprise", ent_file, check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("waits for charter version 2", r.stderr)
            r = hangzhou.ctl("charter", "propose", "rotate", check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("waits already for charter version 2", r.stderr)
            self.assertIn("waits for charter version 2",
                          json.dumps(hangzhou.status(), ensure_ascii=False))
            self.assertEqual(hangzhou.tip(origin), p)

            # shanghai, whose only neighbour is hangzhou, is away while the vote completes
            wait_tip([shanghai], hangzhou, LIVENESS_S, "the proposal at shanghai")
            shanghai.stop()
            self.sign(nanjing, vote["id"])
            self.sign(hefei, vote["id"])
            self.wait_version(nodes[1:], 2, "hangzhou's rotation adopted")
            for n in nodes:
                if n is shanghai:
                    continue
                m = member(n, "hangzhou")
                self.assertEqual((m["origin"], m["key"]), (origin, new_key), n.name)
                self.assertIn("charter version 2 adopted", n.log(), n.name)
            wait_until(lambda: "key rotated" in hangzhou.log(), ADOPT_S, "hangzhou's switch")
            self.assertEqual(hangzhou.ctl("pubkey").stdout.strip(), new_key)
            self.assertEqual(hangzhou.ctl("pubkey", old_key_file + ".old", config=False)
                             .stdout.strip(), origin)
            self.assertEqual(os.stat(old_key_file + ".old").st_mode & 0o777, 0o600)
            self.assertFalse(os.path.exists(next_file))

            # -- the rotated city keeps writing --------------------------------------------------
            hangzhou.put("enterprise", city_records("hangzhou", 100, ROT_RECORDS))
            self.assertEqual(hangzhou.tip(origin), p + ROT_RECORDS)
            self.held_everywhere(hangzhou, nodes[1:], "%d records hangzhou wrote with its new key"
                                 % ROT_RECORDS)
            # shanghai comes back still at version 1, hangzhou on its new key: its pull
            # connection tries the key hangzhou proposed (its vote is held there), fetches
            # the votes and adopts; hangzhou's new-key records follow, none counted bad
            shanghai.start()
            self.wait_version([shanghai], 2, "shanghai back, behind its rotated neighbour")
            self.assertEqual(member(shanghai, "hangzhou")["key"], new_key)
            self.held_everywhere(hangzhou, nodes, "hangzhou's new-key records at shanghai too")
            for n in nodes:
                held = n.export(origin="hangzhou", kind="enterprise")
                self.assertEqual(len(held), 20 + ROT_RECORDS, n.name)
                c = n.counters()
                self.assertEqual(c["rejected_signature"], 0, n.name)

            # -- relay: a case after the rotation, both dossiers open at hangzhou -------------
            case2 = shanghai.ctl_json("relay", "propose", sh_ents[1]["credit_code"], "--to-park",
                                      "HZ-PARK-FST", "--to", "hangzhou",
                                      "--dossier", files["after"])["case"]
            wait_until(lambda: case_state(hangzhou, case2) == "proposed", LIVENESS_S,
                       "case 2 at hangzhou")
            for case, when in ((case1, "before"), (case2, "after")):
                self.assertEqual(hangzhou.ctl_json("relay", "show", case)["dossier"],
                                 dossiers[when], "case %s at hangzhou" % when)
                self.assertIn("sealed for", shanghai.ctl_json("relay", "show", case)["dossier"])
            os.rename(old_key_file + ".old", old_key_file + ".aside")
            try:
                self.assertIn("sealed for", hangzhou.ctl_json("relay", "show", case1)["dossier"],
                              "case 1 was sealed to the old key")
                self.assertEqual(hangzhou.ctl_json("relay", "show", case2)["dossier"],
                                 dossiers["after"], "case 2 was sealed to the new key")
            finally:
                os.rename(old_key_file + ".aside", old_key_file + ".old")
            # the park's yrdx-feed, told the node's new key, goes on
            feed.stop()
            feed.node_key = new_key  # told the rotated node's new key
            feed.start()
            wait_until(lambda: case2 in feed_cases(feed), LIVENESS_S,
                       "case 2 at the park's feed (new node key)")
            r = feed.act("accept", case2)
            self.assertEqual(r.returncode, 0, r.stderr)
            wait_until(lambda: case_state(shanghai, case2) == "accepted", LIVENESS_S,
                       "case 2 accepted through the feed, at shanghai")
            feed.stop()
            self.held_everywhere(hangzhou, nodes, "the feed's accept")

            # -- an entry signed with the old key past the rotation ------------------------------
            hangzhou.stop()
            data = os.path.join(hangzhou.dir, "data")
            shutil.copytree(data, data + ".kept")
            shutil.copy2(hangzhou.config, hangzhou.config + ".kept")
            tip = hangzhou.tip(origin)
            forged_code = city_records("hangzhou", 77777, 1)[0]["credit_code"]
            r = subprocess.run([EVIL_AUTHOR, "-c", hangzhou.config, "oldkey",
                                old_key_file + ".old", forged_code],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, "evil_author oldkey: %s%s" % (r.stdout, r.stderr))
            forged = json.loads(r.stdout)
            self.assertEqual(forged["seq"], tip + 1)
            # every city pulls from hangzhou directly: hefei and wuhu in return
            hangzhou.ctl("peer", "add", "hefei")
            hangzhou.ctl("peer", "add", "wuhu")
            before = {n.name: n.counters()["rejected_signature"] for n in others}
            hangzhou.start()
            line = re.compile(r"peer hangzhou: segment refused \(bad head signature\).*"
                              r"head at seq %d has a bad signature \(not by the key the charter "
                              r"gives its log" % forged["seq"])
            for n in others:
                wait_until(lambda n=n: n.counters()["rejected_signature"] > before[n.name]
                           and line.search(n.log()), LIVENESS_S,
                           "%s to refuse the old key's entry" % n.name, interval=0.1)
            # liveness: the others' new writes still reach every one of them
            for k, n in enumerate(others):
                n.put("enterprise", city_records(n.name, 1000 + k * OTHERS_RECORDS, OTHERS_RECORDS))
            for n in others:
                wait_tip(others, n, LIVENESS_S, "%s's new writes while hangzhou serves the "
                         "forged entry" % n.name)
            wait_converged(others, LIVENESS_S, "the four agree beside the forged entry")
            for n in others:
                self.assertEqual(n.tip(origin), tip, "%s holds hangzhou's log past %d" % (n.name, tip))
                codes = {e["record"]["credit_code"] for e in n.export(origin="hangzhou")
                         if e["kind"] == "enterprise"}
                self.assertNotIn(forged_code, codes, n.name)
                self.assertTrue(n.verify()["ok"], n.name)
            print("the old key's entry at seq %d was refused by all four cities" % forged["seq"],
                  flush=True)
            # hangzhou as it was
            hangzhou.stop()
            shutil.rmtree(data)
            os.rename(data + ".kept", data)
            os.replace(hangzhou.config + ".kept", hangzhou.config)
            hangzhou.start()
            self.assertEqual(hangzhou.tip(origin), tip)
            hangzhou.put("enterprise", city_records("hangzhou", 500, 50))
            self.held_everywhere(hangzhou, nodes, "hangzhou's writes after the forged entry",
                                 BAD_PEER_S + LIVENESS_S)
            for n in others:
                self.held_everywhere(n, nodes, "%s's writes at hangzhou" % n.name)

            # -- every node restarted: nothing fetched again -------------------------------------
            digests = {n.name: n.digest()["digest"] for n in nodes}
            for n in nodes:
                n.stop()
            for n in nodes:
                n.start()

            def sessions_up():
                """Every pull connection answered (its Tips held) and claims nothing we lack."""
                for n in nodes:
                    for peer in n.status()["peers"]:
                        if not peer["connected"] or not peer["last_contact_ms"] or peer["behind"]:
                            return False
                return True
            wait_until(sessions_up, LIVENESS_S, "every pull session to exchange tips",
                       interval=0.1)
            for n in nodes:
                self.assertEqual(n.digest()["digest"], digests[n.name], n.name)
                c = n.counters()
                self.assertEqual((c["changes_received"], c["changes_applied"]), (0, 0),
                                 "%s fetched again after a restart" % n.name)
                self.assertTrue(n.verify()["ok"], n.name)
                self.assertEqual(member(n, "hangzhou")["key"], new_key)
            self.assertEqual(hangzhou.ctl("pubkey").stdout.strip(), new_key)
            self.assertIn("signed by a key it was rotated to", hangzhou.log())


if __name__ == "__main__":
    unittest.main()
