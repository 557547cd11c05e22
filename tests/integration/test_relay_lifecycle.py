"""The relay lifecycle closes the loop (接力孵化 to 落地), with real nodes of a chartered
federation: shanghai (310000), hangzhou (330100) and hefei (340100), each peering with the
other two.

- Within one city: shanghai proposes its enterprise to its own park SH-PARK-ZJ, accepts,
  lands and closes it, all as shanghai; its record is the same record updated — stage
  landed, park SH-PARK-ZJ, the case — the only record of it anywhere. A park not in
  shanghai's registry is refused, naming it.
- Across cities: hefei first declines the enterprise for HF-PARK-BH (a note saying why),
  so `relay suggest` at shanghai leaves HF-PARK-BH out (and --explain says it declined);
  shanghai then proposes it to HF-PARK-GX and hefei accepts, lands and closes it. Hefei
  holds its own record (stage landed, the park, the case, city 340100, copied from
  shanghai's), shanghai's own record turns relocated, and at hangzhou `stats --json`
  counts the enterprise once in the federation and at 合肥 not 上海, while `profile`
  shows both records and both cases' steps in case order with times, authors and notes —
  each waited for with a deadline. Then a new write still reaches every node, the
  digests are equal and `verify` passes everywhere."""
import json
import os
import random
import unittest

from harness import (LIVENESS_S, Federation, case_state, enterprise, run_seed, wait_converged,
                     wait_tip, wait_until)


def park(pid, city, industries, capacity=50, kind="high_tech_zone"):
    return {"id": pid, "name": "园区" + pid, "city": city, "type": kind,
            "industries": industries, "capacity": capacity}


def own_record(node, origin, code):
    """origin's record of enterprise code as node holds it (a dict), or None."""
    r = node.ctl("--json", "get", "enterprise", code, "--origin", origin.pubkey, check=False)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout.splitlines()[0])["record"]


def city_enterprises(stats, city):
    for c in stats["cities"]:
        if c["city"] == city:
            return c["enterprises"]
    return 0


class RelayLifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = random.Random(run_seed("test_relay_lifecycle"))
        cls.fed = Federation("relay-lifecycle")
        try:
            cls.nodes = cls.fed.ring([("shanghai", 310000), ("hangzhou", 330100),
                                      ("hefei", 340100)])
            cls.sh, cls.hz, cls.hf = cls.nodes
            cls.base = cls.rng.randrange(1000, 900000)
            cls.sh.put("park", [park("SH-PARK-ZJ", 310000, ["integrated_circuits", "biomedicine"],
                                     capacity=180)])
            cls.hf.put("park", [park("HF-PARK-GX", 340100, ["integrated_circuits", "future_health"],
                                     capacity=140),
                                park("HF-PARK-BH", 340100, ["integrated_circuits", "future_energy"],
                                     capacity=200, kind="sci_tech_demo_base")])
            cls.hz.put("park", [park("HZ-PARK-QT", 330100, ["fashion_consumer_goods"], capacity=35,
                                     kind="characteristic_park")])
            cls.sh.put("enterprise", [enterprise(cls.base + i) for i in range(3)])
            wait_converged(cls.nodes, 30, "the parks and enterprises everywhere")
        except BaseException:
            cls.fed.dump_logs()
            cls.fed.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fed.close()

    def wait_state(self, case, state, nodes=None):
        for n in nodes or self.nodes:
            wait_until(lambda n=n: case_state(n, case) == state, LIVENESS_S,
                       "case %s %s at %s" % (case, state, n.name))

    def test_1_same_city_case_runs_to_landing(self):
        sh = self.sh
        ent = enterprise(self.base)
        code = ent["credit_code"]
        # A park this city's registry does not hold: refused, naming it.
        r = sh.ctl("relay", "propose", code, "--to-park", "SH-PARK-NONE", "--to", "shanghai",
                   check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("park SH-PARK-NONE is not in shanghai's registry", r.stderr)

        case = sh.ctl_json("relay", "propose", code, "--to-park", "SH-PARK-ZJ",
                           "--note", "张江集成电路方向")["case"]
        sh.ctl("relay", "accept", case, "--note", "同城接力")
        sh.ctl("relay", "land", case)
        # landed: the same record updated, in the step's own batch
        rec = own_record(sh, sh, code)
        self.assertEqual(rec["stage"], "landed")
        self.assertEqual(rec["park_id"], "SH-PARK-ZJ")
        self.assertEqual(rec["relay_case_id"], case)
        self.assertEqual(rec["city"], 310000)
        self.assertEqual(rec["name"], ent["name"])
        self.assertEqual(rec["incubator_ids"], ent["incubator_ids"])
        sh.ctl("relay", "close", case)
        self.wait_state(case, "closed")
        shown = sh.ctl_json("relay", "show", case)
        self.assertEqual([(e["type"], e.get("step")) for e in shown["events"]],
                         [("propose", 1), ("accept", 2), ("land", 3), ("close", 4)])
        self.assertEqual(shown["from_key"], shown["to_key"])
        times = [e["time_ms"] for e in shown["events"]]
        self.assertEqual(times, sorted(times))
        # every node: the one record of it is shanghai's, landed; no relocation anywhere
        wait_tip(self.nodes, sh, LIVENESS_S, "shanghai's case everywhere")
        for n in self.nodes:
            recs = [json.loads(l) for l in n.ctl("--json", "get", "enterprise", code).stdout.splitlines()]
            self.assertEqual([(r["origin_name"], r["record"]["stage"]) for r in recs],
                             [("shanghai", "landed")], n.name)
        text = self.hz.ctl("relay", "show", case).stdout
        self.assertIn("已结案 closed", text)
        self.assertIn("「同城接力」", text)

    def test_2_cross_city_case_lands_and_relocates(self):
        sh, hz, hf = self.sh, self.hz, self.hf
        ent = enterprise(self.base + 1)
        code = ent["credit_code"]
        before = hz.ctl_json("stats")
        self.assertEqual(city_enterprises(before, 310000), 3)

        # hefei declines HF-PARK-BH first, saying why
        declined = sh.ctl_json("relay", "propose", code, "--to-park", "HF-PARK-BH")["case"]
        self.wait_state(declined, "proposed", [hf])
        hf.ctl("relay", "decline", declined, "--note", "园区已满, 建议高新区")
        self.wait_state(declined, "declined", [sh])
        sh.ctl("relay", "close", declined)
        # suggest at shanghai: HF-PARK-BH (50 of 100, second) no more; --explain says so
        ranked = [json.loads(l)["park_id"] for l in
                  sh.ctl("--json", "relay", "suggest", code).stdout.splitlines()]
        self.assertNotIn("HF-PARK-BH", ranked)
        self.assertEqual(ranked[0], "HF-PARK-GX")
        self.assertEqual(ranked[-1], "HZ-PARK-QT")  # no matching industry: last
        explained = sh.ctl("relay", "suggest", code, "--explain").stdout
        self.assertIn("HF-PARK-BH", explained)
        self.assertIn("declined it", explained)
        self.assertIn("园区已满, 建议高新区", explained)
        self.assertIn("built for 2 of its 2 industries", explained)
        # the decline's reason shows in text, not only with --json
        self.wait_state(declined, "closed")
        self.assertIn("「园区已满, 建议高新区」", hz.ctl("relay", "show", declined).stdout)

        case = sh.ctl_json("relay", "propose", code, "--to-park", "HF-PARK-GX",
                           "--note", "毕业企业, 建议落地合肥")["case"]
        self.wait_state(case, "proposed", [hf])
        hf.ctl("relay", "accept", case, "--note", "欢迎入驻")
        hf.ctl("relay", "land", case)
        # hefei's own record, written with the LAND
        rec = own_record(hf, hf, code)
        self.assertEqual((rec["stage"], rec["park_id"], rec["relay_case_id"], rec["city"]),
                         ("landed", "HF-PARK-GX", case, 340100))
        self.assertEqual(rec["name"], ent["name"])
        self.assertEqual(rec["industries"], ent["industries"])
        self.assertNotIn("incubator_ids", rec)  # shanghai's incubators are not hefei's
        hf.ctl("relay", "close", case, "--note", "已入驻高新区")
        # shanghai learns of the landing: its own record turns relocated
        wait_until(lambda: (own_record(sh, sh, code) or {}).get("stage") == "relocated",
                   LIVENESS_S, "shanghai's record relocated")
        rec = own_record(sh, sh, code)
        self.assertEqual(rec["relay_case_id"], case)
        self.assertEqual(rec["city"], 310000)
        self.assertNotIn("park_id", rec)
        self.wait_state(case, "closed")
        # the record now follows the case: a put of the old registry row is refused naming
        # it, a re-import leaves it as the case made it (counted), nothing written
        before_digest = sh.digest()["digest"]
        row = os.path.join(self.fed.root, "again-enterprises.ndjson")
        with open(row, "w", encoding="utf-8") as f:
            f.write(json.dumps(ent, ensure_ascii=False) + "\n")
        r = sh.ctl("put", "enterprise", row, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("left this city through relay case %s (已迁出 relocated)" % case, r.stderr)
        out = sh.ctl_json("import", row)
        self.assertEqual((out["imported"], out["unchanged"], out["relocated"]), (0, 1, 1), out)
        self.assertIn("1 of the unchanged left this city through relay cases",
                      sh.ctl("import", row).stdout)
        self.assertEqual(sh.digest()["digest"], before_digest)
        self.assertEqual(own_record(sh, sh, code)["stage"], "relocated")
        wait_tip(self.nodes, sh, LIVENESS_S, "shanghai's relocation everywhere")
        wait_tip(self.nodes, hf, LIVENESS_S, "hefei's landing everywhere")

        # hangzhou counts it once in the federation, at 合肥 and not at 上海
        after = hz.ctl_json("stats")
        self.assertEqual(after["federation"]["enterprises"], before["federation"]["enterprises"])
        self.assertEqual(city_enterprises(after, 310000), city_enterprises(before, 310000) - 1)
        self.assertEqual(city_enterprises(after, 340100), city_enterprises(before, 340100) + 1)

        # hangzhou's profile: both records, both cases' steps in case order with times
        prof = hz.ctl_json("profile", code)
        recs = {r["origin_name"]: r for r in prof["records"]}
        self.assertEqual(recs["shanghai"]["record"]["stage"], "relocated")
        self.assertEqual(recs["hefei"]["record"]["stage"], "landed")
        self.assertGreaterEqual(recs["hefei"]["stage_since_ms"], recs["shanghai"]["history"][0]["time_ms"])
        cases = {c["case"]: c for c in prof["relay_cases"]}
        steps = [(e["type"], e.get("step"), e["by"], e.get("text")) for e in cases[case]["events"]]
        self.assertEqual(steps, [("propose", 1, "shanghai", "毕业企业, 建议落地合肥"),
                                 ("accept", 2, "hefei", "欢迎入驻"),
                                 ("land", 3, "hefei", None),
                                 ("close", 4, "hefei", "已入驻高新区")])
        self.assertTrue(all(e["time_ms"] > 0 for e in cases[case]["events"]))
        self.assertEqual([(e["type"], e.get("text")) for e in cases[declined]["events"]],
                         [("propose", None), ("decline", "园区已满, 建议高新区"), ("close", None)])
        text = hz.ctl("profile", code).stdout
        self.assertIn("已落地 landed at 合肥 hefei since", text)
        self.assertIn("已迁出 relocated from 上海 shanghai since", text)
        landed = text[text.index(case + ": 已结案 closed"):]
        order = [landed.index(w) for w in ("1.  推荐 propose", "2.  接收 accept", "3.  落地 land",
                                           "4.  结案 close")]
        self.assertEqual(order, sorted(order), landed)
        self.assertIn("「欢迎入驻」", landed)

        # a new write still arrives everywhere; digests equal; verify passes
        new = enterprise(self.base + 2000, city=340100, district="340104")
        hf.put("enterprise", [new])
        wait_tip(self.nodes, hf, LIVENESS_S, "hefei's new enterprise everywhere")
        wait_converged(self.nodes, LIVENESS_S, "identical digests after the landing")
        for n in self.nodes:
            self.assertTrue(n.verify()["ok"], n.name)
            self.assertIsNotNone(own_record(n, hf, new["credit_code"]), n.name)


if __name__ == "__main__":
    unittest.main()
