"""Evaluations as the plan defines them (跟踪评估, 分类评价体系), and tiers that follow them
(动态调整, 优胜劣汰), with real nodes.

Shanghai (310000) and Hefei (340100) found a federation (联盟章程 version 1), peer, and
each imports its sample registry (tests/data: incubators, then their evaluations of 2024
and 2025). Then:

- refusals: at Shanghai, a put and an import of each broken evaluation — a dimension
  missing, an unknown incubator, a milestone reward with result eliminated, a second
  startup funding (启动建设经费), a second operating subsidy (年度运营补贴) in one year, and
  two subsidies of one year in one file — exit 2 naming the field (a CSV's file:line and
  column), and neither node's digest moves; put --dry-run and import --dry-run catch the
  unknown incubator the same way; an import of a new incubator with its evaluation in
  one file (the batch's earlier record counted as stored) is accepted;
- 动态调整 across cities: an `eliminated` result put at Shanghai for a 高质量 incubator
  moves the tier that `stats --json` and `list incubator --tier` count at Hefei (waited
  for with a deadline), and `incubator history` at Hefei shows the step."""
import json
import os
import unittest

from harness import Federation, tune, wait_converged, wait_until

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
DIMENSIONS = ["talent", "hard_tech_origination", "disruptive_conversion",
              "high_growth_incubation", "resource_integration"]
CONVERGE_S = 30


def evaluation(inc, period, result="passed", score=80, dims=DIMENSIONS, **funding):
    rec = {"id": "%s/%s" % (inc, period), "incubator_id": inc, "period": period,
           "scores": [{"dimension": d, "score": score} for d in dims], "result": result}
    rec.update(funding)
    return rec


def scores_cell(dims=DIMENSIONS, score=80):
    return ";".join("%s:%d" % (d, score) for d in dims)


def city_stats(node, city):
    for c in node.ctl_json("stats", "--city", str(city))["cities"]:
        if c["city"] == city:
            return c
    raise AssertionError("stats at %s has no row for %d" % (node.name, city))


def listed(node, tier, origin):
    """The ids `list incubator --tier T --origin O --json` prints at node."""
    out = node.ctl("--json", "list", "incubator", "--tier", tier, "--origin", origin).stdout
    return sorted(json.loads(line)["id"] for line in out.splitlines())


class EvaluationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fed = Federation("evaluation")
        try:
            cls.sh = cls.fed.node("shanghai", 310000)
            cls.hf = cls.fed.node("hefei", 340100)
            cls.nodes = (cls.sh, cls.hf)
            tune(*cls.nodes)
            cls.fed.found(threshold=2)
            cls.fed.link(cls.sh, cls.hf)
            for n in cls.nodes:
                n.start()
            for n in cls.nodes:
                for kind in ("incubators", "evaluations"):
                    n.ctl("import", os.path.join(DATA, "%s-%s.csv" % (n.name, kind)))
            wait_converged(cls.nodes, CONVERGE_S, "the sample registries everywhere")
        except BaseException:
            cls.fed.dump_logs()
            cls.fed.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.fed.close()

    def digests(self):
        return [n.digest()["digest"] for n in self.nodes]

    def write(self, name, text):
        path = os.path.join(self.fed.root, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def ndjson(self, name, records):
        return self.write(name, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))

    def refused(self, args, *expected):
        """The command exits 2 with every expected text on stderr and moves no store."""
        before = self.digests()
        r = self.sh.ctl(*args, check=False)
        self.assertEqual(r.returncode, 2, "%s: %s%s" % (args, r.stdout, r.stderr))
        for text in expected:
            self.assertIn(text, r.stderr, args)
        self.assertEqual(self.digests(), before, "a refused %s moved a store" % args[0])
        return r

    # ---- refusals ------------------------------------------------------------------------

    def test_1_broken_evaluations_are_refused_naming_the_field(self):
        # (what is wrong, the record, the field, what the message says of it)
        cases = [
            ("missing", evaluation("SH-INC-0001", "2026", dims=DIMENSIONS[:4]),
             "evaluation.scores",
             "EVALUATION_DIMENSION_RESOURCE_INTEGRATION (全要素资源整合赋能) missing"),
            ("unknown", evaluation("SH-INC-0099", "2026"), "evaluation.incubator_id",
             '"SH-INC-0099": no incubator of this city\'s registry has this id'),
            ("reward", evaluation("SH-INC-0001", "2026", "eliminated",
                                  milestone_reward_wan_yuan=500),
             "evaluation.milestone_reward_wan_yuan",
             "500 万元 with result MILESTONE_RESULT_ELIMINATED (淘汰): 里程碑奖励 only after"),
            ("startup", evaluation("SH-INC-0002", "2026", startup_funding_wan_yuan=800),
             "evaluation.startup_funding_wan_yuan",
             "启动建设经费 (startup funding) is granted once, and SH-INC-0002/2024 already "
             "carries it (1000 万元)"),
            ("subsidy", evaluation("SH-INC-0002", "2025H2", operating_subsidy_wan_yuan=300),
             "evaluation.operating_subsidy_wan_yuan",
             "年度运营补贴 (operating subsidy) is granted at most once a calendar year, and "
             "SH-INC-0002/2025 already carries it for 2025 (300 万元)"),
        ]
        header = ("id,incubator_id,period,scores,result,startup_funding_wan_yuan,"
                  "operating_subsidy_wan_yuan,milestone_reward_wan_yuan\n")
        for what, rec, field, detail in cases:
            with self.subTest(what):
                path = self.ndjson("put-%s.ndjson" % what, [rec])
                self.refused(["put", "evaluation", path],
                             "record 1 (evaluation %s): %s: " % (rec["id"], field), detail)
                # the same row in a CSV: file:line and the column
                dims = [s["dimension"] for s in rec["scores"]]
                row = ",".join(str(x) for x in (
                    rec["id"], rec["incubator_id"], rec["period"], scores_cell(dims),
                    rec["result"], rec.get("startup_funding_wan_yuan", ""),
                    rec.get("operating_subsidy_wan_yuan", ""),
                    rec.get("milestone_reward_wan_yuan", "")))
                csv = self.write("import-%s-evaluations.csv" % what, header + row + "\n")
                column = field.split(".", 1)[1]
                self.refused(["import", csv], "%s:2: column %s: " % (csv, column), detail,
                             "nothing imported")
        # Two subsidies of one year in one file: the second is refused, the first with it.
        path = self.ndjson("put-two.ndjson", [
            evaluation("SH-INC-0007", "2026H1", operating_subsidy_wan_yuan=150),
            evaluation("SH-INC-0007", "2026H2", operating_subsidy_wan_yuan=150)])
        self.refused(["put", "evaluation", path],
                     "record 2 (evaluation SH-INC-0007/2026H2): "
                     "evaluation.operating_subsidy_wan_yuan: 150 万元",
                     "SH-INC-0007/2026H1 already carries it for 2026")
        self.refused(["import", "--kind", "evaluation", path],
                     "%s:2: evaluation.operating_subsidy_wan_yuan: 150 万元" % path)
        # The dry runs catch the unknown incubator too, put's at the node, import's here.
        path = self.ndjson("dry.ndjson", [evaluation("SH-INC-0099", "2026")])
        self.refused(["put", "--dry-run", "evaluation", path],
                     "record 1 (evaluation SH-INC-0099/2026): evaluation.incubator_id: "
                     '"SH-INC-0099": no incubator')
        csv = self.write("dry-evaluations.csv", header + "SH-INC-0099/2026,SH-INC-0099,2026,"
                         + scores_cell() + ",passed,,,\n")
        r = self.refused(["import", "--dry-run", csv],
                         '%s:2: column incubator_id: "SH-INC-0099": no incubator' % csv)
        self.assertIn("1 invalid row", r.stderr)
        # A new incubator and its evaluation in one file: the incubator counts as stored.
        inc = {"id": "SH-INC-0201", "name": "上海评估样本孵化器", "city": 310000,
               "tier": "high_quality_cultivation", "operator_type": "state_owned"}
        path = self.ndjson("new.ndjson", [
            {"kind": "incubator", "record": inc},
            {"kind": "evaluation", "record": evaluation(
                "SH-INC-0201", "2026", "excellent", 90, startup_funding_wan_yuan=500,
                operating_subsidy_wan_yuan=150, milestone_reward_wan_yuan=300)}])
        before = self.sh.digest()["digest"]
        out = json.loads(self.sh.ctl("--json", "import", path).stdout)
        self.assertEqual((out["rows"], out["imported"], out["rejected"]), (2, 2, 0))
        self.assertNotEqual(self.sh.digest()["digest"], before)
        got = self.sh.ctl_json("get", "evaluation", "SH-INC-0201/2026")["record"]
        self.assertEqual((got["startup_funding_wan_yuan"], got["milestone_reward_wan_yuan"]),
                         (500, 300))

    # ---- 动态调整 across cities -------------------------------------------------------------

    def test_2_eliminated_at_shanghai_moves_the_tier_counted_at_hefei(self):
        sh, hf = self.sh, self.hf
        wait_converged(self.nodes, CONVERGE_S, "every write so far at both nodes")
        before = city_stats(hf, 310000)
        # The sample: SH-INC-0001..3 registered 高质量, SH-INC-0003 adjusted in 2025.
        self.assertEqual(listed(hf, "high_quality", "shanghai"), ["SH-INC-0001", "SH-INC-0002"])
        self.assertEqual(before["high_quality_incubators"], 2)
        self.assertNotIn("SH-INC-0001", listed(hf, "standard", "shanghai"))
        sh.put("evaluation", [evaluation("SH-INC-0001", "2026", "eliminated", 50,
                                         operating_subsidy_wan_yuan=300)])
        wait_until(lambda: city_stats(hf, 310000)["high_quality_incubators"] == 1, CONVERGE_S,
                   "hefei's stats to count SH-INC-0001 out of 高质量")
        after = city_stats(hf, 310000)
        self.assertEqual(after["cultivation_incubators"], before["cultivation_incubators"])
        self.assertEqual(after["incubators"], before["incubators"])
        self.assertEqual(listed(hf, "high_quality", "shanghai"), ["SH-INC-0002"])
        self.assertIn("SH-INC-0001", listed(hf, "standard", "shanghai"))
        # The table at hefei shows both tiers.
        row = [l for l in hf.ctl("list", "incubator", "--tier", "standard").stdout.splitlines()
               if "SH-INC-0001" in l]
        self.assertEqual(len(row), 1)
        self.assertIn("高质量孵化器 high_quality", row[0])
        self.assertIn("一般孵化器 standard", row[0])
        # The history at hefei: registered 高质量, three periods, the last one moved it.
        h = hf.ctl_json("incubator", "history", "SH-INC-0001", "--origin", "shanghai")
        self.assertEqual((h["registered_tier"], h["effective_tier"], h["eliminated"]),
                         ("high_quality", "standard", True))
        self.assertEqual([(e["period"], e["result"], e["tier_from"], e["tier_to"])
                          for e in h["evaluations"]],
                         [("2024", "passed", "high_quality", "high_quality"),
                          ("2025", "passed", "high_quality", "high_quality"),
                          ("2026", "eliminated", "high_quality", "standard")])
        self.assertEqual(h["evaluations"][2]["total"], 250)
        text = hf.ctl("incubator", "history", "SH-INC-0001").stdout
        self.assertIn("effective tier   一般孵化器 standard, eliminated (淘汰)", text)
        self.assertRegex(text, r"2026 +50 +50 +50 +50 +50 +250 +淘汰 eliminated +"
                               r"高质量孵化器 → 一般孵化器")
        # get at hefei says it too; its JSON keeps the names.
        self.assertIn("一般孵化器 standard", hf.ctl("get", "incubator", "SH-INC-0001",
                                                  "--origin", "shanghai").stdout)
        self.assertEqual(hf.ctl_json("get", "incubator", "SH-INC-0001", "--origin",
                                     "shanghai")["effective_tier"], "standard")
        # A promotion candidate (晋升候选) from the sample: excellent twice in cultivation.
        h = hf.ctl_json("incubator", "history", "SH-INC-0004", "--origin", "shanghai")
        self.assertEqual((h["effective_tier"], h["promotion_candidate"]),
                         ("high_quality_cultivation", True))
        self.assertEqual(hf.ctl("incubator", "history", "SH-INC-0098", check=False).returncode, 1)


if __name__ == "__main__":
    unittest.main()
