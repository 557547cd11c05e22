"""Reports and statistics as the plan counts them (issue 13, point 3), at a city that wrote
none of what it reports: four member cities (shanghai – suzhou – hangzhou – hefei, each
peering with its neighbours) found a federation and load their sample registries
(tests/data: incubators, parks, enterprises, two periods of evaluations with funding). A
relay case shanghai → hefei is accepted, another only proposed; an agreement of shanghai
and hangzhou is signed by both, one of shanghai and hefei by shanghai only; an enterprise
of shanghai's registry leaves for hefei (shanghai's record relocated, hefei's landed).

At hefei, every figure of `report evaluations`, `report funding`, `report relay`, `report
joint` (--json and --csv) and `stats` (--json, --by-year) is checked against what the
sample files hold, computed here from the CSVs: scores, totals, the tier each incubator
held when evaluated (its registered tier moved by its earlier results), ranks within
period, city and tier (ties share a rank), funding by phase, city and period, counts by
effective tier and qualification, the enterprise that moved counted once and at hefei;
the plan's 2025 targets beside Shanghai's row only. Bad option values exit 2 naming what
is accepted."""
import csv
import io
import json
import os
import unittest

from harness import Federation, same_digest, wait_until

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
CITIES = [("shanghai", 310000), ("suzhou", 320500), ("hangzhou", 330100), ("hefei", 340100)]
KINDS = ["incubators", "parks", "enterprises", "evaluations"]
DIMENSIONS = ["talent", "hard_tech_origination", "disruptive_conversion",
              "high_growth_incubation", "resource_integration"]
PHASES = [("startup_funding_wan_yuan", "startup"), ("operating_subsidy_wan_yuan", "operating_subsidy"),
          ("milestone_reward_wan_yuan", "milestone_reward")]
TIERS = ["high_quality", "high_quality_cultivation", "standard"]
QUALIFICATIONS = ["tech_sme", "high_tech", "gazelle", "little_giant", "hard_tech"]
TARGETS = {"high_quality_incubators": 20, "transformed_incubators": 200, "tech_sme": 10000,
           "high_tech": 2000, "gazelle": 300, "little_giant": 100}


def rows(city, kind):
    with open(os.path.join(DATA, "%s-%s.csv" % (city, kind)), encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def period_key(p):
    """yx_period_compare's order: by last month, then the shorter first."""
    year, rest = int(p[:4]), p[4:]
    first, last = {"": (0, 11), "H1": (0, 5), "H2": (6, 11), "Q1": (0, 2), "Q2": (3, 5),
                   "Q3": (6, 8), "Q4": (9, 11)}[rest]
    base = (year - 2000) * 12
    return (base + last, -(base + first))


def down_one(tier):
    return {"high_quality": "high_quality_cultivation"}.get(tier, "standard")


def expected_cards(incubators, evaluations):
    """Every evaluation's scorecard as tiers.h derives it, ranked as report.h ranks."""
    inc = {(i["city_name"], i["id"]): i for i in incubators}
    by_inc = {}
    for e in evaluations:
        by_inc.setdefault((e["city_name"], e["id"].rsplit("/", 1)[0]), []).append(e)
    cards = []
    for key, evs in by_inc.items():
        i = inc[key]
        tier = i["tier"]
        since = i.get("tier_since") or ""
        for e in sorted(evs, key=lambda e: (period_key(e["period"]), e["id"])):
            scores = dict(s.split(":") for s in e["scores"].split(";"))
            card = {"id": e["id"], "period": e["period"], "city": int(i["city"]), "tier": tier,
                    "scores": {d: int(scores[d]) for d in DIMENSIONS}, "result": e["result"],
                    "funding": {name: int(e[col] or 0) for col, name in PHASES}}
            card["total"] = sum(card["scores"].values())
            # periods beginning before tier_since's are history: they move nothing
            counted = not since or -period_key(e["period"])[1] >= -period_key(since)[1]
            if counted and e["result"] == "adjusted":
                tier = down_one(tier)
            elif counted and e["result"] == "eliminated" and tier != "standard":
                tier = "standard"
            card["tier_after"] = tier
            cards.append(card)
    for c in cards:
        cohort = [d for d in cards if (d["period"], d["city"], d["tier"]) == (c["period"], c["city"], c["tier"])]
        c["rank"] = 1 + sum(1 for d in cohort if d["total"] > c["total"])
        c["ranked"] = len(cohort)
    return cards


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class ReportTest(unittest.TestCase):
    def test_reports_and_stats_from_the_sample_registries(self):
        with Federation("report") as fed:
            nodes = [fed.node(name, city) for name, city in CITIES]
            sh, sz, hz, hf = nodes
            for a, b in zip(nodes, nodes[1:]):
                fed.link(a, b)
            fed.found(threshold=3)
            for n in nodes:
                n.start()
            for n in nodes:
                for kind in KINDS:
                    n.ctl("import", os.path.join(DATA, "%s-%s.csv" % (n.name, kind)))
            wait_until(lambda: same_digest(*nodes), 60, "every city's registry everywhere")

            # what the files hold, tagged with their city
            data = {kind: [] for kind in KINDS}
            for name, _ in CITIES:
                for kind in KINDS:
                    data[kind] += [dict(r, city_name=name) for r in rows(name, kind)]

            # an enterprise of shanghai's leaves for hefei: relocated there, landed here
            moved = next(e for e in data["enterprises"]
                         if e["city_name"] == "shanghai" and e["stage"] not in ("relocated", "landed"))
            rec = sh.ctl_json("get", "enterprise", moved["credit_code"])["record"]
            sh.put("enterprise", [dict(rec, stage="relocated")])
            hf.put("enterprise", [dict(rec, city=340100, stage="landed", incubator_ids=[])])
            moved["stage"] = "relocated"
            data["enterprises"].append(dict(moved, city="340100", stage="landed", city_name="hefei"))

            # relay: one case accepted at hefei, one proposed; joint: one signed by both
            # parties, one waiting for hefei
            hf_park = rows("hefei", "parks")[0]["id"]
            codes = [e["credit_code"] for e in data["enterprises"]
                     if e["city_name"] == "shanghai" and e["stage"] == "graduated"][:2]
            cases = [sh.ctl_json("relay", "propose", c, "--to-park", hf_park)["case"] for c in codes]
            wait_until(lambda: {r["case"] for r in json_lines(hf.ctl("--json", "relay", "list").stdout)}
                       >= set(cases), 30, "the cases at hefei")
            hf.ctl("relay", "accept", cases[0])
            a1 = sh.ctl_json("joint", "propose", "--incubators", "SH-INC-0001,HZ-INC-0001",
                             "--enterprise", codes[0])["agreement"]
            a2 = sh.ctl_json("joint", "propose", "--incubators", "SH-INC-0002,HF-INC-0001",
                             "--enterprise", codes[1])["agreement"]
            wait_until(lambda: any(r["agreement"] == a1 for r in json_lines(hz.ctl("--json", "joint", "list").stdout)),
                       30, "the agreement at hangzhou")
            hz.ctl("joint", "sign", a1)
            wait_until(lambda: same_digest(*nodes), 60, "cases, agreements and the move everywhere")

            self.check_evaluations(hf, data)
            self.check_funding(hf, data)
            self.check_relay_and_joint(hf, a1, a2)
            self.check_stats(hf, data, moved)
            self.check_bad_input(hf)

    def check_evaluations(self, node, data):
        want = expected_cards(data["incubators"], data["evaluations"])
        got = node.ctl_json("report", "evaluations")["scorecards"]
        self.assertEqual(len(got), len(data["evaluations"]))
        key = lambda c: c["id"]
        for g, w in zip(sorted(got, key=key), sorted(want, key=key)):
            self.assertEqual((g["id"], g["period"], g["city"], g["tier"], g["tier_after"], g["scores"],
                              g["total"], g["result"], g["funding_wan_yuan"], g["rank"], g["ranked"]),
                             (w["id"], w["period"], w["city"], w["tier"], w["tier_after"], w["scores"],
                              w["total"], w["result"], w["funding"], w["rank"], w["ranked"]), w["id"])
            self.assertTrue(0 <= g["total"] <= 500)
        # listed by period, city, tier, rank, then id
        order = [(c["period"], c["city"], c["tier"], c["rank"], c["id"]) for c in got]
        self.assertEqual(order, sorted(order, key=lambda o: (period_key(o[0]), o[1],
                                                            TIERS.index(o[2]), o[3], o[4])))

        # the latest period of one city, by the city's Chinese name: the same scorecards
        last = max((w["period"] for w in want), key=period_key)
        one = node.ctl_json("report", "evaluations", "--period", last, "--city", "杭州")["scorecards"]
        self.assertEqual({c["id"]: c["rank"] for c in one},
                         {w["id"]: w["rank"] for w in want if w["period"] == last and w["city"] == 330100})
        self.assertGreater(len(one), 0)

        # --csv: the table's cells, a row per scorecard, the five dimensions named in Chinese
        table = list(csv.reader(io.StringIO(node.ctl("report", "evaluations", "--csv").stdout)))
        header = table[0]
        for term in ["引进集聚一流人才", "强化硬科技创新策源", "促进颠覆性科技成果转化",
                     "高成长科技企业孵化", "全要素资源整合赋能", "总分 total", "排名 rank"]:
            self.assertIn(term, header)
        self.assertEqual(len(table) - 1, len(want))
        by_id = {r[header.index("孵化器 incubator")] + "/" + r[header.index("期间 period")]: r
                 for r in table[1:]}
        for w in want:
            r = by_id[w["id"]]
            self.assertEqual(int(r[header.index("总分 total")]), w["total"])
            self.assertEqual(r[header.index("排名 rank")], "%d/%d" % (w["rank"], w["ranked"]))
        text = node.ctl("report", "evaluations").stdout
        self.assertIn("高质量孵化器 high_quality", text)
        self.assertIn("%d scorecards" % len(want), text)

    def check_funding(self, node, data):
        cards = expected_cards(data["incubators"], data["evaluations"])
        got = node.ctl_json("report", "funding")
        self.assertEqual(got["unit"], "wan_yuan")
        def sums(select):
            out = {name: 0 for _, name in PHASES}
            n = 0
            for c in cards:
                if select(c):
                    n += 1
                    for _, name in PHASES:
                        out[name] += c["funding"][name]
            out["total"] = sum(out[name] for _, name in PHASES)
            out["evaluations"] = n
            return out
        def strip(r):
            return {k: r[k] for k in [name for _, name in PHASES] + ["total", "evaluations"]}
        cells = {(r["city"], r["period"]): strip(r) for r in got["by_city_period"]}
        self.assertEqual(set(cells), {(c["city"], c["period"]) for c in cards})
        for (city, period), v in cells.items():
            self.assertEqual(v, sums(lambda c: (c["city"], c["period"]) == (city, period)), (city, period))
        for r in got["by_city"]:
            self.assertEqual(strip(r), sums(lambda c: c["city"] == r["city"]))
        self.assertEqual([r["period"] for r in got["by_period"]],
                         sorted({c["period"] for c in cards}, key=period_key))
        self.assertGreaterEqual(len(got["by_period"]), 2)
        for r in got["by_period"]:
            self.assertEqual(strip(r), sums(lambda c: c["period"] == r["period"]))
        self.assertEqual(strip(got["total"]), sums(lambda c: True))
        self.assertGreater(got["total"]["milestone_reward"], 0)

        first = min((c["period"] for c in cards), key=period_key)
        one = node.ctl_json("report", "funding", "--period", first, "--city", "310000")
        self.assertEqual(strip(one["total"]),
                         sums(lambda c: c["period"] == first and c["city"] == 310000))
        table = list(csv.reader(io.StringIO(node.ctl("report", "funding", "--csv").stdout)))
        self.assertEqual(table[0][3:], ["启动建设经费", "年度运营补贴", "里程碑奖励", "合计 total"])
        self.assertEqual(table[-1][:2], ["合计 all", "合计 all"])
        self.assertEqual(int(table[-1][-1]), sums(lambda c: True)["total"])

    def check_relay_and_joint(self, node, a1, a2):
        relay = node.ctl_json("report", "relay")
        self.assertEqual(relay["total"], 2)
        self.assertEqual(len(relay["pairs"]), 1)
        pair = relay["pairs"][0]
        self.assertEqual((pair["from_city"], pair["from_city_name"], pair["to_city"], pair["to_city_name"]),
                         (310000, "上海", 340100, "合肥"))
        self.assertEqual({k: v for k, v in pair["states"].items() if v}, {"proposed": 1, "accepted": 1})
        table = list(csv.reader(io.StringIO(node.ctl("report", "relay", "--csv").stdout)))
        self.assertEqual(table[0][:3], ["推荐方 from", "接收方 to", "已推荐 proposed"])
        self.assertEqual(table[1][:2], ["上海 shanghai", "合肥 hefei"])

        joint = node.ctl_json("report", "joint")
        self.assertEqual((joint["active"], joint["pending"]), (1, 1))
        by_id = {a["agreement"]: a for a in joint["agreements"]}
        self.assertEqual(by_id[a1]["state"], "active")
        self.assertEqual(sorted(p["city"] for p in by_id[a1]["parties"]), [310000, 330100])
        self.assertEqual(by_id[a2]["state"], "pending")
        self.assertEqual({p["city"]: p["signed"] for p in by_id[a2]["parties"]}, {310000: True, 340100: False})
        text = node.ctl("report", "joint").stdout
        self.assertIn("合肥 hefei (未签 unsigned)", text)
        self.assertIn("2 joint agreements (联合孵化): 1 active, 1 pending", text)

    def check_stats(self, node, data, moved):
        cards = expected_cards(data["incubators"], data["evaluations"])
        final = {}
        for c in sorted(cards, key=lambda c: period_key(c["period"])):
            final[(c["city"], c["id"].rsplit("/", 1)[0])] = c["tier_after"]
        st = node.ctl_json("stats")
        cities = {c["city"]: c for c in st["cities"]}
        self.assertEqual(set(cities), {city for _, city in CITIES})
        fed = {q: 0 for q in QUALIFICATIONS}
        fed_codes = set()
        for name, city in CITIES:
            c = cities[city]
            incs = [i for i in data["incubators"] if i["city_name"] == name]
            tiers = [final.get((city, i["id"]), i["tier"]) for i in incs]
            self.assertEqual(c["high_quality_incubators"], tiers.count("high_quality"), name)
            self.assertEqual(c["cultivation_incubators"], tiers.count("high_quality_cultivation"), name)
            self.assertEqual(c["transformed_incubators"], sum(i["transformed"] == "true" for i in incs))
            ents = [e for e in data["enterprises"] if e["city_name"] == name and e["stage"] != "relocated"]
            self.assertEqual(c["enterprises"], len(ents), name)
            for q in QUALIFICATIONS:
                self.assertEqual(c[q], sum(q in e["qualifications"].split(";") for e in ents), (name, q))
            evs = [k for k in cards if k["city"] == city]
            self.assertEqual(c["evaluations"]["total"], len(evs))
            for r in ["excellent", "passed", "adjusted", "eliminated"]:
                self.assertEqual(c["evaluations"]["by_result"][r], sum(k["result"] == r for k in evs))
            for _, ph in PHASES:
                self.assertEqual(c["funding_wan_yuan"][ph], sum(k["funding"][ph] for k in evs))
            # the plan's targets are Shanghai's own
            if city == 310000:
                self.assertEqual(c["targets_2025"], TARGETS)
                self.assertEqual(c["percent_of_target_2025"]["tech_sme"],
                                 int(c["tech_sme"] * 1000 / 10000) / 10)
            else:
                self.assertNotIn("targets_2025", c)
            for e in ents:
                if e["credit_code"] not in fed_codes:
                    fed_codes.add(e["credit_code"])
                    for q in QUALIFICATIONS:
                        fed[q] += q in e["qualifications"].split(";")
        # the enterprise that moved: once in the federation, at hefei, not at shanghai
        self.assertEqual(st["federation"]["enterprises"], len(fed_codes))
        self.assertEqual(st["federation"]["enterprises"],
                         len({e["credit_code"] for e in data["enterprises"]}))
        for q in QUALIFICATIONS:
            self.assertEqual(st["federation"][q], fed[q], q)
        self.assertNotIn("targets_2025", st)
        self.assertNotIn("targets_2025", st["federation"])
        self.assertEqual(cities[310000]["relay_cases"]["proposed_from"], 2)
        self.assertEqual(cities[340100]["relay_cases"]["received"], 2)
        self.assertEqual(st["federation"]["relay_cases"]["by_state"]["accepted"], 1)
        self.assertEqual(st["federation"]["joint_agreements"], {"active": 1, "pending": 1})
        self.assertEqual(cities[340100]["joint_agreements"], {"active": 0, "pending": 1})
        self.assertEqual(cities[330100]["joint_agreements"], {"active": 1, "pending": 0})
        self.assertEqual(cities[310000]["joint_agreements"], {"active": 1, "pending": 1})

        text = node.ctl("stats").stdout
        self.assertEqual(text.count("2025目标 上海 target"), 1)
        self.assertIn("完成率 % of target", text)
        self.assertIn("跟踪 tracking", text)
        # another city alone: no target beside it, nor beside the federation
        other = node.ctl("stats", "--city", "杭州").stdout
        self.assertIn("杭州 hangzhou", other)
        self.assertNotIn("target", other)

        # every record here was written this year: its end holds today's counts
        years = node.ctl_json("stats", "--by-year")["years"]
        self.assertEqual(len(years), 1)
        now = {c["city"]: c for c in years[0]["cities"]}
        keys = ["incubators", "enterprises", "parks", "high_quality_incubators",
                "cultivation_incubators", "transformed_incubators"] + QUALIFICATIONS
        for city in cities:
            self.assertEqual({k: now[city][k] for k in keys}, {k: cities[city][k] for k in keys})
        self.assertEqual({k: years[0]["federation"][k] for k in keys},
                         {k: st["federation"][k] for k in keys})
        self.assertIn("年末 end of", node.ctl("stats", "--by-year").stdout)

    def check_bad_input(self, node):
        for args, words in [
                (["report", "evaluations", "--period", "2024H3"], ["--period 2024H3 is not a period",
                                                                     "YYYYH1"]),
                (["report", "funding", "--city", "999999"], ["--city 999999 is not a Yangtze River Delta city"]),
                (["report", "relay", "--period", "2024"], ['unexpected "--period"', "accepted: --csv"]),
                (["report", "things"], ['unknown report "things"', "evaluations, funding, relay or joint"]),
                (["report"], ["expected evaluations, funding, relay or joint"]),
                (["stats", "--city", "北京"], ["--city 北京 is not a Yangtze River Delta city"]),
                (["stats", "--by-month"], ['unexpected "--by-month"', "--by-year"])]:
            r = node.ctl(*args, check=False)
            self.assertEqual(r.returncode, 2, args)
            for w in words:
                self.assertIn(w, r.stderr, args)
        for sub in ["evaluations", "funding", "relay", "joint"]:
            r = node.ctl("report", sub, "--help")
            self.assertTrue(r.stdout.startswith("usage: yrdxctl -c FILE report %s" % sub), sub)
        self.assertIn("--by-year", node.ctl("stats", "--help").stdout)


if __name__ == "__main__":
    unittest.main()
