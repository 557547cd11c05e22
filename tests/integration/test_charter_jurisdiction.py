"""Jurisdiction (管辖范围): a member city writes incubators, enterprises and parks of the
cities its charter entry names only — by default its own (docs/design.md, "The charter").

Three cities found a federation (联盟章程 version 1, every member with the default
jurisdiction) and peer with each other: shanghai (310000), hefei (340100), hangzhou
(330100). Then, with real processes, asserting the stores:

- put: hefei's put of an enterprise of 310000 上海 exits 2 naming the record, the city and
  hefei's jurisdiction; a batch holding one such record writes nothing; no store moves
  (every node's digest, hefei's export counts);
- import: shanghai's import of incubators with one row of 330100 杭州 exits 2 naming that
  row (file:line, column city) and imports nothing, as for any bad row; --dry-run says the
  same; --skip-invalid sets the row aside and imports the rest; 杭州's stats are unchanged;
- relay: a case between two members (hefei's enterprise to a hangzhou park) proposes,
  accepts and lands; hangzhou may register the landed enterprise as one of 330100, not of
  340100;
- on receive: hefei, while stopped, writes under its own key (tests/integration/
  evil_author.c) a 高质量 incubator SH-INC-0001 and an enterprise, both of 310000 上海, then
  writes honestly again. Its relay PROPOSE of that enterprise is refused. Shanghai and
  hangzhou refuse the segment (refused_jurisdiction, a log line naming the peer, the origin,
  the record and the city), hold none of it (their digests and hefei's tip there are
  unchanged, verify passes), 上海's 高质量 count stays 3 — the issue's example — and the
  other members' new writes reach every node within LIVENESS_S. Hefei's later honest
  records do not reach them either: its log is stuck at the refused segment, everywhere,
  which is the intended consequence. The refusal is not retried in a loop: a pull of the
  segment now and then at most (the peer is avoided for the origin 30 s, then longer)."""
import json
import os
import random
import subprocess
import time
import unittest

from harness import (BUILD, LIVENESS_S, Federation, case_state, enterprise, run_seed,
                     wait_converged, wait_tip, wait_until)

EVIL_AUTHOR = os.path.join(BUILD, "tests/evil_author")
NO_LOOP_S = 4  # watched after the forger starts: its segment is pulled once per peer


def incubator(iid, city, tier="high_quality"):
    return {"id": iid, "name": "孵化器" + iid, "city": city, "tier": tier,
            "operator_type": "research_institute", "focus_industries": ["integrated_circuits"]}


def park(pid, city):
    return {"id": pid, "name": "园区" + pid, "city": city, "type": "characteristic_park",
            "industries": ["integrated_circuits", "future_health"], "capacity": 20}


def city_stats(node, city):
    for c in node.ctl_json("stats", "--city", str(city))["cities"]:
        if c["city"] == city:
            return c
    return {"city": city, "incubators": 0, "enterprises": 0, "high_quality_incubators": 0}


def kinds(node, origin=None):
    """How many records of each kind node holds (of origin, if given)."""
    counts = {}
    for row in node.export(origin=origin):
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    return counts


class CharterJurisdictionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = random.Random(run_seed("test_charter_jurisdiction"))
        cls.fed = Federation("charter-jurisdiction")
        try:
            cls.nodes = cls.fed.ring([("shanghai", 310000), ("hefei", 340100),
                                      ("hangzhou", 330100)])
            cls.sh, cls.hf, cls.hz = cls.nodes
            base = cls.rng.randrange(100000)
            cls.sh.put("incubator", [incubator("SH-INC-%04d" % i, 310000) for i in (1, 2, 3)])
            cls.sh.put("enterprise", [enterprise(base + i) for i in range(5)])
            cls.hf_ent = enterprise(base + 10, city=340100, district="340104")
            cls.hf.put("enterprise", [cls.hf_ent])
            cls.hf.put("incubator", [incubator("HF-INC-0001", 340100)])
            cls.hz.put("park", [park("HZ-PARK-1", 330100)])
            cls.hz.put("incubator", [incubator("HZ-INC-0001", 330100)])
            wait_converged(cls.nodes, 30, "the founding records everywhere")
        except BaseException:
            cls.fed.dump_logs()
            cls.fed.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fed.close()

    def digests(self):
        return [n.digest()["digest"] for n in self.nodes]

    # ---- at this node's own writes --------------------------------------------------------

    def test_1_put_refuses_another_citys_record(self):
        hf = self.hf
        before, counts = self.digests(), kinds(hf, origin=hf.pubkey)
        foreign = enterprise(self.rng.randrange(100000, 200000))  # 310000 上海
        r = hf.ctl("put", "enterprise", self.ndjson([foreign]), check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("record 1 (enterprise %s): city 310000 上海 is outside the jurisdiction "
                      "(管辖范围) of hefei: 340100 合肥" % foreign["credit_code"], r.stderr)
        # One bad record in a batch: nothing of the batch is written.
        own = enterprise(self.rng.randrange(200000, 300000), city=340100, district="340104")
        r = hf.ctl("put", "enterprise", self.ndjson([own, foreign]), check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("record 2 (enterprise %s): city 310000 上海" % foreign["credit_code"],
                      r.stderr)
        # A park and an incubator alike.
        r = hf.ctl("put", "park", self.ndjson([park("SH-PARK-X", 310000)]), check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("record 1 (park SH-PARK-X): city 310000 上海 is outside", r.stderr)
        # A refused put writes nothing at hefei, so nothing can have left it either.
        self.assertEqual(self.digests(), before)
        self.assertEqual(kinds(hf, origin=hf.pubkey), counts)
        self.assertNotEqual(hf.ctl("get", "enterprise", own["credit_code"], check=False).returncode, 0)
        # Its own city's records are written as before, and reach every node; the
        # refused records reach none.
        hf.put("enterprise", [own])
        self.assertEqual(kinds(hf, origin=hf.pubkey)["enterprise"], counts["enterprise"] + 1)
        wait_tip(self.nodes, hf, LIVENESS_S, "hefei's own enterprise everywhere")
        wait_converged(self.nodes, LIVENESS_S, "identical digests after the refusals")
        for n in self.nodes:
            self.assertEqual(n.ctl("get", "enterprise", own["credit_code"], check=False).returncode,
                             0, n.name)
            self.assertNotEqual(n.ctl("get", "enterprise", foreign["credit_code"],
                                      check=False).returncode, 0, n.name)
            self.assertTrue(n.verify()["ok"], n.name)

    def test_2_import_names_the_row_and_imports_nothing(self):
        sh, hz = self.sh, self.hz
        d = os.path.join(self.fed.root, "files")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "shanghai-incubators.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("id,name,city,tier,operator_type,focus_industries\n")
            f.write("SH-INC-0101,上海一号,310000,high_quality,research_institute,biomedicine\n")
            f.write("HZ-INC-0009,杭州的孵化器,330100,high_quality,research_institute,biomedicine\n")
            f.write("SH-INC-0102,上海二号,310000,standard,research_institute,biomedicine\n")
        hz_before = (city_stats(sh, 330100), city_stats(hz, 330100))
        before, counts = self.digests(), kinds(sh, origin=sh.pubkey)
        want = ("%s:3: column city: incubator HZ-INC-0009: city 330100 杭州 is outside the "
                "jurisdiction (管辖范围) of shanghai: 310000 上海" % path)
        r = sh.ctl("import", path, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.splitlines(),
                         [want, "yrdxctl: import: 1 invalid row in %s; nothing imported (fix "
                          "them, or --skip-invalid REJECTS imports the rest)" % path])
        r = sh.ctl("import", "--dry-run", path, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(want, r.stderr)
        # A refused import writes nothing at shanghai, so nothing can have left it either.
        self.assertEqual(self.digests(), before)
        self.assertEqual(kinds(sh, origin=sh.pubkey), counts)
        # --skip-invalid: the row set aside as it was, the rest imported.
        rejects = os.path.join(d, "rejects.csv")
        out = sh.ctl_json("import", "--skip-invalid", rejects, path)
        self.assertEqual((out["rows"], out["imported"], out["rejected"]), (3, 2, 1))
        with open(rejects, encoding="utf-8") as f:
            self.assertIn("HZ-INC-0009,杭州的孵化器,330100", f.read())
        self.assertEqual(kinds(sh, origin=sh.pubkey)["incubator"], counts["incubator"] + 2)
        wait_converged(self.nodes, LIVENESS_S, "the imported incubators everywhere")
        self.assertEqual((city_stats(sh, 330100), city_stats(hz, 330100)), hz_before)

    def test_3_relay_steps_stay_possible(self):
        hf, hz = self.hf, self.hz
        case = hf.ctl_json("relay", "propose", self.hf_ent["credit_code"], "--to-park",
                           "HZ-PARK-1")["case"]
        wait_until(lambda: case_state(hz, case) == "proposed", LIVENESS_S, "the case at hangzhou")
        hz.ctl("relay", "accept", case)
        hz.ctl("relay", "land", case)
        for n in self.nodes:
            wait_until(lambda n=n: case_state(n, case) == "landed", LIVENESS_S,
                       "case %s landed at %s" % (case, n.name))
        # The destination registers the landed enterprise as one of its own city, not of
        # the source's.
        landed = dict(self.hf_ent, city=330100, stage="landed", park_id="HZ-PARK-1")
        hz.put("enterprise", [landed])
        r = hz.ctl("put", "enterprise", self.ndjson([dict(landed, city=340100)]), check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("city 340100 合肥 is outside the jurisdiction (管辖范围) of hangzhou: "
                      "330100 杭州", r.stderr)
        wait_converged(self.nodes, LIVENESS_S, "the landing everywhere")

    # ---- on receive -----------------------------------------------------------------------

    def test_4_a_forged_segment_is_refused_everywhere(self):
        sh, hf, hz = self.sh, self.hf, self.hz
        wait_converged(self.nodes, LIVENESS_S, "every node alike before the forgery")
        hf_tip = hf.tip(hf.pubkey)
        sh_before = city_stats(sh, 310000)  # 高质量: SH-INC-0001..3 (and test_2's one)
        self.assertGreaterEqual(sh_before["high_quality_incubators"], 3)
        peers_before = {n.name: (n.digest()["digest"], n.counters()) for n in (sh, hz)}
        hz_stats = city_stats(hz, 310000)

        hf.stop()
        forged = []
        for args in (["incubator", "310000", "SH-INC-0001"], ["enterprise", "310000"]):
            r = subprocess.run([EVIL_AUTHOR, "-c", hf.config] + args, capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            forged.append(json.loads(r.stdout))
        self.assertEqual([f["seq"] for f in forged], [hf_tip + 1, hf_tip + 2])
        print("hefei forged %s at seq %d and %s at seq %d" % (
            forged[0]["id"], forged[0]["seq"], forged[1]["id"], forged[1]["seq"]), flush=True)
        hf.start()
        t0 = time.monotonic()

        # Its daemon does not relay what it may not write.
        r = hf.ctl("relay", "propose", forged[1]["id"], "--to-park", "HZ-PARK-1", check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("propose: enterprise %s: city 310000 上海 is outside the jurisdiction "
                      "(管辖范围) of hefei: 340100 合肥" % forged[1]["id"], r.stderr)
        # Honest writes after the forgery, which are stuck behind it.
        later = enterprise(self.rng.randrange(300000, 400000), city=340100, district="340104")
        hf.put("enterprise", [later])

        for n in (sh, hz):
            wait_until(lambda n=n: n.counters()["refused_jurisdiction"] >= 1, LIVENESS_S,
                       "%s to refuse hefei's forged segment" % n.name)
            said = ("origin hefei seq %d wrote incubator SH-INC-0001: city 310000 上海 is "
                    "outside the jurisdiction (管辖范围) of hefei: 340100 合肥" % forged[0]["seq"])
            lines = [line for line in n.log().splitlines() if said in line]
            self.assertTrue(lines, "%s's log does not say: %s" % (n.name, said))
            self.assertIn("peer hefei: segment ", lines[0])  # the peer that sent it
            print("%s: %s" % (n.name, lines[0]), flush=True)
        print("refused at shanghai and hangzhou %.1f s after hefei started"
              % (time.monotonic() - t0), flush=True)
        # Nothing of it is held: the stores are as they were.
        for n in (sh, hz):
            self.assertEqual(n.digest()["digest"], peers_before[n.name][0],
                             "%s's store changed" % n.name)

        # Liveness: the other members' new writes reach every node.
        w0 = time.monotonic()
        sh.put("enterprise", [enterprise(self.rng.randrange(400000, 500000))])
        hz.put("incubator", [incubator("HZ-INC-0100", 330100, tier="standard")])
        wait_tip(self.nodes, sh, LIVENESS_S, "shanghai's new write everywhere")
        wait_tip(self.nodes, hz, LIVENESS_S, "hangzhou's new write everywhere")
        print("the others' new writes reached every node in %.1f s" % (time.monotonic() - w0),
              flush=True)

        # None of hefei's segment is held: its tip, the stats, the records.
        for n in (sh, hz):
            self.assertEqual(n.tip(hf.pubkey), hf_tip, "%s holds part of the forged segment"
                             % n.name)
            ids = {row["record"].get("id") or row["record"].get("credit_code")
                   for row in n.export(origin=hf.pubkey)}
            self.assertEqual(ids & ({f["id"] for f in forged} | {later["credit_code"]}), set())
            self.assertIn(self.hf_ent["credit_code"], ids)
            self.assertTrue(n.verify()["ok"])
        self.assertEqual(city_stats(sh, 310000)["high_quality_incubators"],
                         sh_before["high_quality_incubators"])
        self.assertEqual(city_stats(sh, 310000)["enterprises"], sh_before["enterprises"] + 1)
        self.assertEqual(city_stats(hz, 310000)["high_quality_incubators"],
                         hz_stats["high_quality_incubators"])
        # Not a loop: one pull of the segment per peer, then the origin is avoided there
        # (30 s; at 250 ms heartbeats a re-pull would show within this window).
        time.sleep(max(0.0, t0 + NO_LOOP_S - time.monotonic()))
        elapsed = time.monotonic() - t0
        for n in (sh, hz):
            refused = n.counters()["refused_jurisdiction"]
            self.assertLessEqual(refused, 1 + int(elapsed // 30),
                                 "%s refused hefei's segment %d times in %.0f s"
                                 % (n.name, refused, elapsed))
            c_before = peers_before[n.name][1]
            self.assertEqual(n.counters()["rejected_invalid"], c_before["rejected_invalid"])
        # Hefei holds its own records, the forged ones included: its log is stuck at the
        # refused segment everywhere else.
        self.assertEqual(hf.tip(hf.pubkey), hf_tip + 3)

    def ndjson(self, records):
        path = os.path.join(self.fed.root, "put-%d.ndjson" % self.rng.randrange(1 << 30))
        with open(path, "w", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return path


if __name__ == "__main__":
    unittest.main(verbosity=2)
