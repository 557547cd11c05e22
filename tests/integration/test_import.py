"""yrdxctl import / export against real daemons: the sample registry of four cities
imports with the right counts and imports again as a no-op; exports (NDJSON and CSV) import
into a fresh node as the same records; every kind of bad input exits 2 with its line,
column and reason and leaves the store as it was; --dry-run writes nothing;
--skip-invalid sets bad rows aside and imports the rest."""
import csv
import glob
import json
import os
import unittest

from harness import Federation, credit_code

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
# Each city's registry before its evaluations: an evaluation is of an incubator the node
# holds (evalrules.h).
KIND_ORDER = ["incubators", "parks", "enterprises", "evaluations"]
SAMPLES = sorted(glob.glob(os.path.join(DATA, "*-*.csv")),
                 key=lambda p: (KIND_ORDER.index(p.rsplit("-", 1)[1][:-4]), p))

ENT_HEADER = "credit_code,name,city,stage,industries,qualifications,employees\n"


def rows_in(path):
    with open(path, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def ent_row(i, name=None, stage="growth", industries="integrated_circuits;biomedicine"):
    return "%s,%s,310000,%s,%s,tech_sme;gazelle,%d\n" % (
        credit_code(i), name or "测试企业%d有限公司" % i, stage, industries, 10 + i)


class ImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fed = Federation("import")
        cls.a = cls.fed.node("shanghai", 310000).start()
        cls.files = os.path.join(cls.fed.root, "files")
        os.makedirs(cls.files)
        cls.imported = False

    @classmethod
    def tearDownClass(cls):
        cls.fed.close()

    def write(self, name, data):
        path = os.path.join(self.files, name)
        with open(path, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def import_json(self, node, path, *args):
        return json.loads(node.ctl("--json", "import", *args, path).stdout)

    def digest(self, node=None):
        return (node or self.a).digest()["digest"]

    def ensure_sample(self):
        """Every sample file imported once into node a (the first test to need it)."""
        if ImportTest.imported:
            return
        for path in SAMPLES:
            before = self.digest()
            out = self.import_json(self.a, path)
            n = rows_in(path)
            self.assertGreater(n, 0, path)
            self.assertEqual((out["rows"], out["imported"], out["unchanged"], out["rejected"]),
                             (n, n, 0, 0), path)
            self.assertNotEqual(self.digest(), before, path)
        ImportTest.imported = True

    def expect_refused(self, name, data, stderr_lines, *args):
        """Input error: exit 2, exactly these lines first on stderr, nothing written."""
        path = self.write(name, data)
        before = self.digest()
        r = self.a.ctl("import", *args, path, check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        got = r.stderr.splitlines()
        want = [line.replace("FILE", path) for line in stderr_lines]
        self.assertEqual(got[:len(want)], want, r.stderr)
        self.assertEqual(self.digest(), before, name)
        return r

    # ---- the sample registry ----------------------------------------------------------

    def test_sample_registry_imports_then_reimports_as_noop(self):
        self.ensure_sample()
        self.assertEqual(len(SAMPLES), 16)
        kinds = {}
        for path in SAMPLES:
            before = self.digest()
            out = self.import_json(self.a, path)
            n = rows_in(path)
            self.assertEqual((out["imported"], out["unchanged"], out["rejected"]), (0, n, 0), path)
            self.assertEqual(self.digest(), before, path)
            kinds[out["kind"]] = kinds.get(out["kind"], 0) + n
        self.assertEqual(sorted(kinds), ["enterprise", "evaluation", "incubator", "park"])
        self.assertGreaterEqual(kinds["enterprise"], 120)
        # Records read back as the file said (get prints the JSON form).
        rec = json.loads(self.a.ctl("--json", "get", "park", "SZ-PARK-SIP").stdout)["record"]
        self.assertEqual(rec["name"], "苏州工业园区")
        self.assertEqual(rec["type"], "high_tech_zone")
        with open(os.path.join(DATA, "hefei-evaluations.csv"), encoding="utf-8") as f:
            first = next(csv.DictReader(f))
        rec = json.loads(self.a.ctl("--json", "get", "evaluation", first["id"]).stdout)["record"]
        self.assertEqual(";".join("%s:%d" % (s["dimension"], s["score"]) for s in rec["scores"]),
                         first["scores"])

    def test_export_imports_into_a_fresh_node_as_the_same_records(self):
        self.ensure_sample()
        b = self.fed.node("hangzhou", 330100).start()
        c = self.fed.node("hefei", 340100).start()
        kinds = ["incubator", "enterprise", "park", "evaluation"]
        # CSV, one file per kind, into b.
        for kind in kinds:
            path = os.path.join(self.files, "all-%ss.csv" % kind)
            out = self.a.ctl_json("export", "--kind", kind, "--format", "csv", "--output", path)
            self.assertEqual(out["records"], len(self.a.ctl("export", "--kind", kind).stdout.splitlines()))
            res = self.import_json(b, path)
            self.assertEqual((res["imported"], res["rejected"]), (out["records"], 0))
        # NDJSON of every kind in one file (lines name their kind) into c.
        path = os.path.join(self.files, "everything.ndjson")
        self.a.ctl("export", "--output", path)
        res = self.import_json(c, path)
        self.assertIsNone(res["kind"])
        self.assertEqual(res["rejected"], 0)
        for kind in kinds:
            want = sorted(self.a.ctl("export", "--kind", kind).stdout.splitlines())
            for n in (b, c):
                self.assertEqual(sorted(n.ctl("export", "--kind", kind).stdout.splitlines()), want,
                                 "%s %s" % (n.name, kind))
        # CSV exports agree byte for byte too, and so do single records.
        for kind in kinds:
            self.assertEqual(
                sorted(b.ctl("export", "--kind", kind, "--format", "csv").stdout.splitlines()),
                sorted(self.a.ctl("export", "--kind", kind, "--format", "csv").stdout.splitlines()))
        get = lambda n: json.loads(n.ctl("--json", "get", "enterprise", credit_code_of_first()).stdout)["record"]
        self.assertEqual(get(b), get(self.a))
        self.assertEqual(get(c), get(self.a))
        # Importing b's export back into b changes nothing.
        before = self.digest(b)
        path = os.path.join(self.files, "b-enterprises.ndjson")
        b.ctl("export", "--kind", "enterprise", "--output", path)
        res = self.import_json(b, path)
        self.assertEqual(res["imported"], 0)
        self.assertEqual(self.digest(b), before)
        # Export reads the store with the daemon stopped, and filters.
        self.assertEqual(c.stop(), 0)
        sh = c.ctl("export", "--kind", "enterprise", "--city", "上海").stdout.splitlines()
        self.assertEqual(sorted(sh), sorted(line for line in c.ctl("export", "--kind", "enterprise").stdout.splitlines()
                                            if json.loads(line)["city"] == 310000))
        self.assertGreaterEqual(len(sh), rows_in(os.path.join(DATA, "shanghai-enterprises.csv")))
        self.assertEqual(c.ctl("export", "--origin", "hefei").stdout, c.ctl("export").stdout)
        self.assertEqual(c.ctl("export", "--origin", self.a.pubkey).stdout, "")
        r = c.ctl("export", "--format", "csv", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("a CSV file holds one kind of record: add --kind", r.stderr)

    # ---- dialects ---------------------------------------------------------------------

    def test_bom_crlf_and_quoted_fields(self):
        crlf = lambda text: text.replace("\n", "\r\n")
        text = ("\ufeff" + crlf(ENT_HEADER)
                + crlf(ent_row(1001, name='"上海甲,乙科技有限公司"'))
                + "\r\n"
                + crlf(ent_row(1002, name='"上海""丙""科技有限公司"'))
                + ent_row(1003).rstrip("\n"))
        path = self.write("bom-enterprises.csv", text)
        out = self.import_json(self.a, path)
        self.assertEqual((out["rows"], out["imported"], out["rejected"]), (3, 3, 0))
        rec = lambda kind, i: json.loads(self.a.ctl("--json", "get", kind, i).stdout)["record"]
        self.assertEqual(rec("enterprise", credit_code(1001))["name"], "上海甲,乙科技有限公司")
        self.assertEqual(rec("enterprise", credit_code(1002))["name"], '上海"丙"科技有限公司')
        self.assertEqual(rec("enterprise", credit_code(1003))["industries"],
                         ["integrated_circuits", "biomedicine"])
        # A quoted cell over two lines parses (and lines are counted through it), but no
        # importable field may hold a line break: names and ids are single-line.
        text = ("\ufeff" + crlf(ENT_HEADER) + crlf(ent_row(1004, name='"两行\n名称"'))
                + crlf(ent_row(1005, stage="late")))
        self.expect_refused("multiline-enterprises.csv", text,
                            ['FILE:2: column name: "两行\\x0D\\x0A名称": control character 0x0D '
                             'at byte 7',
                             'FILE:4: column stage: "late": not a valid EnterpriseStage '
                             '(expected one of seed, startup, growth, graduated, landed, relocated)'])

    def test_ndjson(self):
        lines = [{"credit_code": credit_code(2001), "name": "南京样本企业", "city": 320100,
                  "stage": "seed"},
                 {"credit_code": credit_code(2002), "name": "无锡样本企业", "city": 320200,
                  "stage": "startup", "industries": ["integrated_circuits"]}]
        path = self.write("wuxi-enterprises.jsonl",
                          "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
        out = self.import_json(self.a, path)
        self.assertEqual((out["format"], out["imported"]), ("ndjson", 2))
        bad = dict(lines[0], industries=["integrated_circuit"])
        self.expect_refused("bad-enterprises.ndjson",
                            json.dumps(lines[1], ensure_ascii=False) + "\n\n"
                            + json.dumps(bad, ensure_ascii=False) + "\n{\"name\": }\n",
                            ['FILE:3: enterprise.industries[0]: "integrated_circuit": not a '
                             'valid Industry (expected one of digital_transformation, '
                             'green_transformation, integrated_circuits, biomedicine, '
                             'artificial_intelligence, electronic_information, life_health, '
                             'automotive, high_end_equipment, advanced_materials, '
                             'fashion_consumer_goods, digital_economy, green_low_carbon, '
                             'metaverse, smart_terminals, future_health, future_intelligence, '
                             'future_energy, future_space, future_materials)',
                             "FILE:4:10: unexpected token near '}'"])

    # ---- bad input: exit 2, nothing written -------------------------------------------

    def test_invalid_credit_code(self):
        bad = credit_code(3002)[:17] + ("0" if credit_code(3002)[17] != "0" else "1")
        self.expect_refused("cc-enterprises.csv",
                            ENT_HEADER + ent_row(3001) + bad + ent_row(3002)[18:],
                            ['FILE:3: column credit_code: "%s": check character is \'%s\', '
                             "expected '%s'" % (bad, bad[17], credit_code(3002)[17]),
                             "yrdxctl: import: 1 invalid row in FILE; nothing imported (fix "
                             "them, or --skip-invalid REJECTS imports the rest)"])

    def test_missing_required_column(self):
        self.expect_refused("nostage-enterprises.csv",
                            "credit_code,name,city,employees\n%s,甲,310000,5\n" % credit_code(3003),
                            ["yrdxctl: FILE:1: missing required column stage (enterprise records "
                             "need credit_code, name, city, stage)"])
        self.expect_refused("unknown-parks.csv", "id,name,city,type,size\nP,园,310000,high_tech_zone,1\n",
                            ['yrdxctl: FILE:1: unknown column "size" (park has id, name, city, '
                             "type, industries, capacity, area_m2)"])

    def test_malformed_quote(self):
        self.expect_refused("quote-enterprises.csv",
                            ENT_HEADER + ent_row(3004) + '%s,上海"引号"公司,310000,seed,,,1\n' % credit_code(3005),
                            ["yrdxctl: FILE:3:22: '\"' inside an unquoted field (quote the whole "
                             "field and double the quote)"])
        self.expect_refused("open-enterprises.csv",
                            ENT_HEADER + ent_row(3006) + '%s,"未闭合,310000,seed,,,1\n' % credit_code(3007),
                            ["yrdxctl: FILE:3: a quoted field is still open at the end of the "
                             "file (a quote is missing)"])

    def test_wrong_enum_value(self):
        self.expect_refused("enum-enterprises.csv",
                            ENT_HEADER + ent_row(3008, stage="mature"),
                            ['FILE:2: column stage: "mature": not a valid EnterpriseStage '
                             "(expected one of seed, startup, growth, graduated, landed, relocated)"])

    def test_oversized_fields(self):
        self.expect_refused("long-enterprises.csv",
                            ENT_HEADER + ent_row(3009, name="长" * 70),
                            ['FILE:2: column name: "%s...": 210 bytes, at most 200' % ("长" * 16)])
        self.expect_refused("huge-enterprises.csv",
                            ENT_HEADER + ent_row(3010) + ent_row(3011, name="x" * 70000),
                            ["yrdxctl: FILE:3: column name: cell of more than 65536 bytes"])

    def test_invalid_utf8(self):
        data = (ENT_HEADER + ent_row(3012)).encode() + \
            ("%s,上海" % credit_code(3013)).encode() + b"\xc9\xcf\xba\xa3,310000,seed,,,1\n"
        self.expect_refused("gbk-enterprises.csv", data,
                            ["FILE:3:22: invalid UTF-8 (byte 0xC9): the file must be UTF-8 "
                             "(convert it, e.g. iconv -f GB18030 -t UTF-8)"])

    def test_empty_file(self):
        self.expect_refused("empty-enterprises.csv", "", ["yrdxctl: FILE: empty file"])
        self.expect_refused("empty-enterprises.ndjson", "\n", ["yrdxctl: FILE: empty file"])

    def test_many_errors_are_capped_and_duplicates_refused(self):
        rows = "".join(ent_row(4000 + i, stage="old") for i in range(150))
        r = self.expect_refused("many-enterprises.csv", ENT_HEADER + ent_row(3999) + ent_row(3999) + rows,
                                ['FILE:3: credit_code "%s" is also on line 2 (one row per '
                                 'record)' % credit_code(3999)])
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 100 + 2)
        self.assertEqual(lines[-2], "... and 51 more invalid rows")

    # ---- dry run, skip-invalid, daemon down ---------------------------------------------

    def test_dry_run_writes_nothing(self):
        path = self.write("dry-enterprises.csv", ENT_HEADER + ent_row(5001) + ent_row(5002))
        before = self.digest()
        out = self.import_json(self.a, path, "--dry-run")
        self.assertEqual((out["rows"], out["valid"], out["dry_run"]), (2, 2, True))
        self.assertNotIn("imported", out)
        self.assertEqual(self.digest(), before)
        self.assertNotEqual(self.a.ctl("get", "enterprise", credit_code(5001), check=False).returncode, 0)

    def test_skip_invalid(self):
        bad1 = ent_row(6002, industries="quantum")
        bad2 = '%s,"多行\n名称",310000,seed,,,x\n' % credit_code(6004)
        path = self.write("skip-enterprises.csv", ENT_HEADER + ent_row(6001) + bad1 + ent_row(6003) + bad2)
        rejects = os.path.join(self.files, "rejects.csv")
        r = self.a.ctl("--json", "import", "--skip-invalid", rejects, path)
        out = json.loads(r.stdout)
        self.assertEqual((out["rows"], out["imported"], out["rejected"]), (4, 2, 2))
        self.assertEqual(r.stderr.splitlines(),
                         ['%s:3: column industries: "quantum": not a valid Industry (expected one of '
                          'digital_transformation, green_transformation, integrated_circuits, '
                          'biomedicine, artificial_intelligence, electronic_information, '
                          'life_health, automotive, high_end_equipment, advanced_materials, '
                          'fashion_consumer_goods, digital_economy, green_low_carbon, metaverse, '
                          'smart_terminals, future_health, future_intelligence, future_energy, '
                          'future_space, future_materials)' % path,
                          '%s:5: column employees: "x": not a decimal integer' % path])
        with open(rejects, encoding="utf-8") as f:
            self.assertEqual(f.read(), ENT_HEADER + bad1 + bad2)
        for i in (6001, 6003):
            self.a.ctl("get", "enterprise", credit_code(i))
        # The rejects, fixed, import on their own.
        fixed = self.write("fixed-enterprises.csv", ENT_HEADER + ent_row(6002) + ent_row(6004))
        self.assertEqual(self.import_json(self.a, fixed)["imported"], 2)

    def test_relay_events_and_joints_are_not_imported(self):
        path = self.write("cases-relay-events.csv", "id,case_id,type,credit_code\n")
        r = self.a.ctl("import", path, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "yrdxctl: import: relay-event records are not imported: "
                                   "yrdxctl relay writes them, checking each step against "
                                   "its case\n")

    def test_kind_from_name_header_and_daemon_down(self):
        # A name that says no kind: the header's columns say it (only enterprises have
        # credit_code and qualifications).
        path = self.write("registry.csv", ENT_HEADER + ent_row(7001))
        self.assertEqual(self.import_json(self.a, path)["imported"], 1)
        self.assertEqual(json.loads(self.a.ctl("--json", "get", "enterprise",
                                               credit_code(7001)).stdout)["record"]["credit_code"],
                         credit_code(7001))
        before = self.digest()
        odd = self.write("registry2.csv", "foo,bar\n1,2\n")
        r = self.a.ctl("import", odd, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("which kind of record does %s hold? Its header fits no kind's "
                      "columns" % odd, r.stderr)
        self.assertEqual(self.digest(), before)
        path = self.write("registry3.csv", ENT_HEADER + ent_row(7002))
        self.assertEqual(self.import_json(self.a, path, "--kind", "Enterprises")["imported"], 1)
        d = self.fed.node("suzhou", 320500)
        path = self.write("registry4.csv", ENT_HEADER + ent_row(7003))
        r = d.ctl("import", path, "--kind", "enterprise", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("the node is not running", r.stderr)
        # A dry run needs no daemon.
        self.assertEqual(json.loads(d.ctl("--json", "import", "--dry-run", "--kind",
                                          "enterprise", path).stdout)["valid"], 1)


class RoundTripTest(unittest.TestCase):
    """The README's round trip: an export of every origin is for reading, and import at
    this node refuses another city's records by name, writing nothing; `export --mine`
    reads back as this node's own records, every one unchanged."""

    def test_export_every_origin_refused_own_reimports_unchanged(self):
        with Federation("roundtrip") as fed:
            a = fed.node("shanghai", 310000)
            b = fed.node("hangzhou", 330100)
            fed.link(a, b)
            a.start()
            b.start()
            for node, city in ((a, "shanghai"), (b, "hangzhou")):
                for kind in ("incubators", "enterprises", "parks", "evaluations"):
                    node.ctl("import", os.path.join(DATA, "%s-%s.csv" % (city, kind)))
            from harness import wait_converged
            wait_converged([a, b], 30, "both registries at both nodes")
            files = os.path.join(fed.root, "files")
            os.makedirs(files)
            every = os.path.join(files, "every.ndjson")
            a.ctl("export", "--output", every)
            with open(every, encoding="utf-8") as f:
                kinds = [json.loads(line)["kind"] for line in f]
            hz = sum(rows_in(os.path.join(DATA, "hangzhou-%s.csv" % k))
                     for k in ("incubators", "enterprises", "parks", "evaluations"))
            before = a.digest()["digest"]
            r = a.ctl("import", every, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            refused = [line for line in r.stderr.splitlines()
                       if "hangzhou's log, synced here, not this node's"
                       in line]
            # every hangzhou record named (the first 100 lines are printed)
            self.assertEqual(len(refused), min(hz, 100), r.stderr[-2000:])
            self.assertIn("`yrdxctl export --mine` writes only those", refused[0])
            self.assertEqual(a.digest()["digest"], before)
            # a CSV of one kind, its name saying nothing: the kind from its header
            sh_csv = os.path.join(files, "sh.csv")
            a.ctl("export", "--kind", "enterprise", "--format", "csv", "--output", sh_csv)
            r = a.ctl("import", "--dry-run", sh_csv, check=False)
            self.assertEqual(r.returncode, 2)
            self.assertIn("hangzhou's log, synced here", r.stderr)
            mine = os.path.join(files, "mine.ndjson")
            a.ctl("export", "--mine", "--output", mine)
            with open(mine, encoding="utf-8") as f:
                mine_kinds = sorted({json.loads(line)["kind"] for line in f})
            self.assertTrue(set(mine_kinds) <= {"incubator", "enterprise", "park",
                                                "evaluation", "financials"}, mine_kinds)
            self.assertIn("relay-event", kinds + ["relay-event"])
            out = json.loads(a.ctl("--json", "import", mine).stdout)
            self.assertEqual((out["imported"], out["rejected"]), (0, 0), out)
            self.assertEqual(out["unchanged"], out["rows"])
            self.assertEqual(a.digest()["digest"], before)
            mine_csv = os.path.join(files, "mine-enterprises.csv")
            a.ctl("export", "--kind", "enterprise", "--mine", "--format", "csv",
                  "--output", mine_csv)
            out = json.loads(a.ctl("--json", "import", mine_csv).stdout)
            self.assertEqual((out["rows"], out["unchanged"]),
                             (rows_in(os.path.join(DATA, "shanghai-enterprises.csv")),) * 2)
            self.assertEqual(a.digest()["digest"], before)
            # new writes still arrive after the refusals
            new = os.path.join(files, "new-enterprises.csv")
            with open(new, "w", encoding="utf-8") as f:
                f.write(ENT_HEADER + ent_row(8101))
            a.ctl("import", new)
            wait_converged([a, b], 15, "a new write after the refused imports")
            b.ctl("get", "enterprise", credit_code(8101))
            a.ctl("verify")


def credit_code_of_first():
    with open(os.path.join(DATA, "shanghai-enterprises.csv"), encoding="utf-8") as f:
        return next(csv.DictReader(f))["credit_code"]


if __name__ == "__main__":
    unittest.main()
