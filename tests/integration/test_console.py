"""The node's console (/) and Prometheus /metrics on a three-city chartered federation.

Shanghai ── Hangzhou ── Hefei (Shanghai and Hefei never talk), founded with a charter,
each with listen/metrics on; each city loads its sample registry (tests/data), Shanghai
registers an enterprise whose name is an HTML injection and proposes it to a Hefei park
whose name is another, Hangzhou proposes one too, and a stranger's node knocks at
Hefei's peer port. Then:

- test_dashboard_in_chromium: headless Chromium (Debian's chromium) loads Hangzhou's
  console; its DOM holds the 41 cities with the three members marked, Hangzhou's two
  links coloured connected, the relay counts `relay list` gives, and the plan bars
  `stats` gives; a screenshot is saved (path printed). Hefei's console shows the
  injected names as text, never as markup, and the stranger's refused handshake with its
  key in base64. With Hefei stopped, Hangzhou's link to it is drawn down.
- test_metrics_parse: /metrics of each node parsed by prometheus_client's own text
  parser; per-origin seq equals `yrdxctl digest`, relay cases by state equal `relay
  list`, plan figures equal `stats`, feed cursors equal `status`, refusals equal the
  counters.
"""
import base64
import collections
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

from harness import Federation, Feed, enterprise, free_port, wait_until

DATA = os.path.join(os.path.dirname(__file__), "../data")
CHROMIUM = shutil.which("chromium")
SCRIPT_NAME = '<script>alert("sh")</script>上海注入测试科技有限公司'
PARK_NAME = '合肥"注入"园区<img src=x onerror=alert(1)>'
PARK_ID = "HF-PARK-INJECT"
STATES = ["proposed", "accepted", "declined", "withdrawn", "landed", "closed"]
FIGURES = ["high_quality_incubators", "transformed_incubators", "tech_sme", "high_tech",
           "gazelle", "little_giant"]


def http(node, path="/"):
    return node.http(path)


class Elements(html.parser.HTMLParser):
    """Every element of a document: its tag, its attributes and the text inside it."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.all, self.open = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": "", "n": len(self.all),
             "parents": {o["n"] for o in self.open}}
        self.all.append(e)
        if tag not in ("meta", "br", "img", "input", "link", "hr"):
            self.open.append(e)

    def handle_endtag(self, tag):
        if any(o["tag"] == tag for o in self.open):
            while self.open.pop()["tag"] != tag:
                pass

    def handle_data(self, data):
        for e in self.open:
            e["text"] += data

    def find(self, tag=None, cls=None, **data):
        out = []
        for e in self.all:
            a = e["attrs"]
            if tag and e["tag"] != tag:
                continue
            if cls and cls not in (a.get("class") or "").split():
                continue
            if any(a.get("data-" + k.replace("_", "-")) != str(v) for k, v in data.items()):
                continue
            out.append(e)
        return out

    def inside(self, parent):
        """The elements inside parent (an element, or the id of one), in document order."""
        if isinstance(parent, str):
            parent = [e for e in self.all if e["attrs"].get("id") == parent][0]
        return [e for e in self.all if parent["n"] in e["parents"]]


def chromium(args, what):
    if not CHROMIUM:
        raise AssertionError("chromium is not installed: deploy/install-deps.sh installs "
                             "Debian's chromium, which this test drives headless")
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-first-run", "--user-data-dir=" + profile] + args,
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if r.returncode != 0:
        raise AssertionError("chromium %s failed (%d): %s" % (what, r.returncode, r.stderr[-2000:]))
    return r.stdout


def prometheus_parser():
    """prometheus_client's text parser: Debian's python3-prometheus-client (install-deps.sh),
    also when the python3 running the tests is not Debian's own (a pyenv one)."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            raise AssertionError("prometheus_client is not installed: deploy/install-deps.sh "
                                 "installs Debian's python3-prometheus-client")
    return text_string_to_metric_families


def relay_counts(node):
    """Cases by state as `relay list` says, and by (from city, to city, state)."""
    out = node.ctl("--json", "relay", "list").stdout
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    states = collections.Counter(r["state"] for r in rows)
    pairs = collections.Counter((r["from_city"], r["to_city"], r["state"]) for r in rows)
    return states, pairs, rows


def shanghai_figures(node):
    st = node.ctl_json("stats")
    row = [c for c in st["cities"] if c["city"] == 310000]
    return {f: (row[0][f] if row else 0) for f in FIGURES}, st


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fed = cls.fed = Federation("console")
        sh = cls.sh = fed.node("shanghai", 310000, metrics=free_port())
        hz = cls.hz = fed.node("hangzhou", 330100, metrics=free_port())
        hf = cls.hf = fed.node("hefei", 340100, metrics=free_port())
        fed.found()
        sh.ctl("peer", "add", "hangzhou")
        hz.ctl("peer", "add", "hefei")
        for n in fed.nodes:
            n.start()
        # Each city's sample registry.
        for n in fed.nodes:  # the registry before the evaluations of its incubators
            for kind in ("incubators", "parks", "enterprises", "evaluations"):
                n.ctl("import", os.path.join(DATA, "%s-%s.csv" % (n.name, kind)))
        # The injections: an enterprise's name in Shanghai, a park's name in Hefei.
        hostile = enterprise(900001, name_prefix="x")
        hostile["name"] = SCRIPT_NAME
        hostile["qualifications"] = ["tech_sme", "high_tech"]
        sh.put("enterprise", [hostile])
        cls.hostile_code = hostile["credit_code"]
        hf.put("park", [{"id": PARK_ID, "name": PARK_NAME, "city": 340100,
                         "type": "high_tech_zone", "industries": ["integrated_circuits"],
                         "capacity": 10, "area_m2": 1000}])
        for n in (sh, hz, hf):
            n.ctl("sync", "--wait", "--timeout", "60")
        for n in (hf, hz, sh):
            n.ctl("sync", "--wait", "--timeout", "60")
        # Hefei authorises a park feed for the injected park; its yrdx-feed runs.
        cls.feed = Feed(fed, hf, "inject")
        hf.ctl("park", "add", "inject-park", PARK_ID, cls.feed.pubkey)
        cls.feed.start()
        # Two relay cases: Shanghai → Hefei (accepted there), Hangzhou → Hefei (proposed).
        case1 = sh.ctl_json("relay", "propose", cls.hostile_code, "--to-park", PARK_ID)["case"]
        wait_until(lambda: case1 in hf.ctl("relay", "list").stdout, 30, "case 1 at Hefei")
        hf.ctl("relay", "accept", case1)
        hz_code = hz.ctl_json("list", "enterprise", "--origin", "hangzhou", "--limit", "1")
        hz_code = hz_code[0]["id"] if isinstance(hz_code, list) else hz_code["id"]
        case2 = hz.ctl_json("relay", "propose", hz_code, "--to-park", "HF-PARK-GX")["case"]
        cls.cases = (case1, case2)
        wait_until(lambda: len(relay_counts(hz)[2]) == 2 and relay_counts(hz)[0]["accepted"] == 1,
                   30, "both cases, one accepted, at Hangzhou")
        wait_until(lambda: len(cls.feed.events()) >= 2, 30, "the park's feed to get both steps")
        # A stranger, in no charter, dials Hefei's peer port: refused at ZAP.
        cls.stranger = fed.node("stranger", 320500)
        cls.stranger.ctl("peer", "add", "hefei", hf.endpoint, hf.pubkey)
        cls.stranger.start()
        wait_until(lambda: hf.counters().get("refused_key", 0) >= 1, 30,
                   "Hefei to refuse the stranger's key")

    @classmethod
    def tearDownClass(cls):
        cls.feed.stop()
        cls.fed.close()

    def page(self, node, test):
        """The console of node once its cached figures show what `test` wants."""
        return wait_until(lambda: (lambda t: t if test(t) else None)(http(node)[2]), 30,
                          "%s's console to show the figures" % node.name)

    def test_dashboard_in_chromium(self):
        hz, hf = self.hz, self.hf
        states, pairs, rows = relay_counts(hz)
        figures, _ = shanghai_figures(hz)
        # The cache is made again after commits, at most every few seconds: wait for it.
        want_bar = 'data-figure="tech_sme" data-value="%d"' % figures["tech_sme"]
        self.page(hz, lambda t: want_bar in t and 'data-state="accepted">1' in t)
        url = "http://%s/" % hz.metrics
        dom = Elements(chromium(["--dump-dom", url], "--dump-dom"))

        # The 41 cities, the three members, Hangzhou itself.
        cities = dom.find("g", cls="city")
        self.assertEqual(len(cities), 41, [c["attrs"] for c in cities])
        members = sorted(int(c["attrs"]["data-city"]) for c in dom.find("g", cls="member"))
        self.assertEqual(members, [310000, 330100, 340100])
        self.assertEqual([c["attrs"]["data-city"] for c in dom.find("g", cls="self")], ["330100"])
        self.assertIn("上海", dom.find("g", city=310000)[0]["text"])
        self.assertIn("hefei", dom.find("g", city=340100)[0]["text"])
        # Its two links, connected, nothing behind.
        links = {(l["attrs"]["data-from"], l["attrs"]["data-to"]): l["attrs"]
                 for l in dom.find("line", cls="link")}
        self.assertEqual(sorted(links), [("330100", "310000"), ("330100", "340100")])
        for a in links.values():
            self.assertIn("connected", a["class"])
            self.assertEqual(a["data-behind"], "0")
            self.assertEqual(a["stroke"], "#2e7d32")
        for peer in ("shanghai", "hefei"):
            row = dom.find("tr", cls="peer", peer=peer)
            self.assertEqual(row[0]["attrs"]["data-state"], "connected", row)

        # Relay cases: the counts `relay list` gives, by state and by city pair.
        self.assertEqual(states["proposed"], 1)
        self.assertEqual(states["accepted"], 1)
        by_state = {td["attrs"]["data-state"]: int(td["text"])
                    for td in dom.inside("relay-states") if "data-state" in td["attrs"]}
        self.assertEqual(by_state, {s: states.get(s, 0) for s in STATES})
        shown_pairs = collections.Counter()
        for tr in dom.find("tr", cls="pair"):
            for td in dom.inside(tr):
                if "data-state" in td["attrs"] and int(td["text"]):
                    shown_pairs[(int(tr["attrs"]["data-from"]), int(tr["attrs"]["data-to"]),
                                 td["attrs"]["data-state"])] = int(td["text"])
        self.assertEqual(shown_pairs, pairs)
        self.assertEqual(shown_pairs[(310000, 340100, "accepted")], 1)
        self.assertEqual(shown_pairs[(330100, 340100, "proposed")], 1)

        # Plan bars: Shanghai's figures as `stats` gives them, against the 2025 targets.
        bars = {b["attrs"]["data-figure"]: b["attrs"] for b in dom.find("g", cls="bar")}
        self.assertEqual(sorted(bars), sorted(FIGURES))
        targets = {"high_quality_incubators": 20, "transformed_incubators": 200,
                   "tech_sme": 10000, "high_tech": 2000, "gazelle": 300, "little_giant": 100}
        for f in FIGURES:
            self.assertEqual(int(bars[f]["data-value"]), figures[f], f)
            self.assertEqual(int(bars[f]["data-target"]), targets[f], f)
        self.assertGreater(figures["tech_sme"], 0)
        # Per-origin rows: the digest's seqs.
        digest = {o["origin"]: o["seq"] for o in hz.digest()["origins"]}
        shown = {tr["attrs"]["data-origin"]: int(tr["attrs"]["data-seq"])
                 for tr in dom.find("tr", cls="origin")}
        self.assertEqual(shown, digest)

        shot = os.path.join(self.fed.root, "dashboard-hangzhou.png")
        chromium(["--screenshot=" + shot, "--window-size=1400,2000", "--hide-scrollbars", url],
                 "--screenshot")
        with open(shot, "rb") as f:
            png = f.read()
        print("screenshot of Hangzhou's console: %s (%d bytes)" % (shot, len(png)), flush=True)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertGreater(len(png), 20000)
        if os.environ.get("YRDX_DASHBOARD_PNG"):
            shutil.copy(shot, os.environ["YRDX_DASHBOARD_PNG"])

        # Hefei: the injected names are text, not markup; the stranger's refusal is there.
        self.page(hf, lambda t: "inject-park" in t and "refused_key" in t and "x" in t)
        self.page(hf, lambda t: "注入测试" in t)
        raw = http(hf)[2]
        dom = Elements(chromium(["--dump-dom", "http://%s/" % hf.metrics],
                                "--dump-dom"))
        self.assertEqual(dom.find("script"), [], "a record's <script> became an element")
        self.assertEqual(dom.find("img"), [], "a record's <img> became an element")
        self.assertNotIn("<script>", raw)
        self.assertIn("&lt;script&gt;alert(&quot;sh&quot;)&lt;/script&gt;", raw)
        names = [td["text"] for td in dom.find("td", cls="enterprise")]
        self.assertTrue(any(SCRIPT_NAME in n for n in names), names)
        parks = [td["text"] for td in dom.find("td", cls="park-name")]
        self.assertEqual(parks, [PARK_NAME])
        feed = dom.find("tr", cls="feed", park="inject-park")[0]["attrs"]
        self.assertEqual(feed["data-state"], "connected")
        status_feed = [f for f in hf.status()["feeds"] if f["park"] == "inject-park"][0]
        self.assertEqual(int(feed["data-cursor"]), status_feed["cursor"])
        refused = dom.find("tr", cls="refusal", reason="refused_key")
        self.assertTrue(refused, "no refused_key row")
        cells = dom.inside(refused[0])
        key = [c["text"] for c in cells if c["tag"] == "code"][0]
        self.assertEqual(len(base64.b64decode(key, validate=True)), 32, key)
        self.assertTrue(any("peer port 127.0.0.1" in c["text"] for c in cells),
                        [c["text"] for c in cells])
        self.assertEqual(refused[0]["attrs"]["data-kind"], "handshake")

        # Hefei down: Hangzhou's link to it is drawn down (the page is live for links).
        self.stranger.stop()
        hf.stop()
        text = self.page(hz, lambda t: 'class="link down" data-from="330100" data-to="340100"' in t)
        self.assertIn('data-peer="hefei" data-city="340100" data-state="down"', text)
        # Back as they were, for the other tests: Hefei, the stranger knocking, the feed.
        hf.start()
        self.stranger.start()
        wait_until(lambda: 'class="link connected" data-from="330100" data-to="340100"'
                   in http(hz)[2], 30, "the link to Hefei to come back")
        wait_until(lambda: hf.counters().get("refused_key", 0) >= 1, 30,
                   "Hefei to refuse the stranger's key again")
        wait_until(lambda: [f for f in hf.status()["feeds"] if f["connected"] and f["cursor"]],
                   30, "the park's feed to resume at Hefei")

    def test_metrics_parse(self):
        text_string_to_metric_families = prometheus_parser()
        # The dashboard test restarts Hefei and waits for Hangzhou's link to it; Hefei's own
        # pull connections may still be coming back: status and /metrics are compared
        # once every link is up both ways.
        for node in (self.sh, self.hz, self.hf):
            wait_until(lambda: all(p["connected"] for p in node.status()["peers"]), 30,
                       "%s's peers to be connected" % node.name)
        for node in (self.sh, self.hz, self.hf):
            states, pairs, _ = relay_counts(node)
            figures, st = shanghai_figures(node)
            status = node.status()
            want_bar = 'data-figure="tech_sme" data-value="%d"' % figures["tech_sme"]
            self.page(node, lambda t: want_bar in t)
            code, headers, body = http(node, "/metrics")
            self.assertEqual(code, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
            fams = {f.name: f for f in text_string_to_metric_families(body)}
            samples = collections.defaultdict(list)
            for f in fams.values():
                for s in f.samples:
                    samples[s.name].append(s)
            # Every family announced its type and help.
            for name in ("yrdx_origin_seq", "yrdx_relay_cases", "yrdx_plan_figure",
                         "yrdx_feed_cursor", "yrdx_refusals", "yrdx_peer_connected",
                         "yrdx_peers_up", "yrdx_origin_lag"):
                self.assertIn(name, fams, sorted(fams))
                self.assertTrue(fams[name].documentation, name)
            self.assertEqual(fams["yrdx_refusals"].type, "counter")
            self.assertEqual(fams["yrdx_origin_seq"].type, "gauge")

            digest = {o["origin"]: o["seq"] for o in node.digest()["origins"]}
            seq = {s.labels["origin"]: int(s.value) for s in samples["yrdx_origin_seq"]
                   if s.value}
            self.assertEqual(seq, digest, node.name)
            names = {s.labels["origin"]: s.labels["name"] for s in samples["yrdx_origin_seq"]}
            self.assertEqual(sorted(names.values()), ["hangzhou", "hefei", "shanghai"])
            self.assertEqual([s.value for s in samples["yrdx_origin_lag"]], [0.0] * 3)

            relay = {s.labels["state"]: int(s.value) for s in samples["yrdx_relay_cases"]}
            self.assertEqual(relay, {s: states.get(s, 0) for s in STATES}, node.name)
            pair = {(int(s.labels["from_city"]), int(s.labels["to_city"]), s.labels["state"]):
                    int(s.value) for s in samples["yrdx_relay_pair_cases"]}
            self.assertEqual(pair, dict(pairs), node.name)

            plan = {(s.labels["figure"], s.labels["city"]): int(s.value)
                    for s in samples["yrdx_plan_figure"]}
            for f in FIGURES:
                self.assertEqual(plan.get((f, "310000"), 0), figures[f], (node.name, f))
                self.assertEqual(plan[(f, "federation")], st["federation"][f], (node.name, f))
            targets = {s.labels["figure"]: int(s.value) for s in samples["yrdx_plan_target_2025"]}
            self.assertEqual(targets["tech_sme"], 10000)

            up = sum(1 for p in status["peers"] if p["connected"])
            self.assertEqual(int(samples["yrdx_peers_up"][0].value), up)
            self.assertEqual(up, 2 if node is self.hz else 1)
            for s in samples["yrdx_peer_connected"]:
                self.assertEqual(s.value, 1.0, s)

            cursors = {s.labels["park"]: int(s.value) for s in samples["yrdx_feed_cursor"]}
            self.assertEqual(cursors, {f["park"]: f["cursor"] for f in status["feeds"]})
            counters = status["counters"]
            refusals = {s.labels["reason"]: int(s.value) for s in samples["yrdx_refusals_total"]}
            for reason, value in refusals.items():
                self.assertEqual(value, counters.get(reason, 0), reason)
            if node is self.hf:
                self.assertGreater(cursors["inject-park"], 0)
                self.assertGreaterEqual(refusals["refused_key"], 1)
            info = samples["yrdx_node_info"][0].labels
            self.assertEqual((info["name"], info["city"]), (node.name, str(status["city"])))
            self.assertEqual(info["key"], node.pubkey)

    def test_read_only_and_unknown_paths(self):
        for method in ("POST", "PUT", "DELETE"):
            req = urllib.request.Request("http://%s/" % self.sh.metrics, method=method,
                                         data=b"x")
            with self.assertRaises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(e.exception.code, 405)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen("http://%s/nope" % self.sh.metrics, timeout=10)
        self.assertEqual(e.exception.code, 404)
        code, headers, _ = http(self.sh)
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])


if __name__ == "__main__":
    unittest.main()
