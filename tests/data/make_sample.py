#!/usr/bin/env python3
"""Writes the sample registry: for Shanghai, Hangzhou, Hefei and Suzhou one CSV per record
kind, named <city>-<kinds>.csv so that `yrdxctl import` knows the kind from the name.

    tests/data/make_sample.py [OUTDIR]      (default: tests/data, beside this script)

Deterministic: the same files every run (a fixed seed per city), so the generated CSVs are
checked in beside this script and tests can rely on their counts. Credit codes carry their
city's district codes and correct check characters (GB 32100-2015, whose organisation-code
part has its own GB 11714 check character). Incubator tiers, operator types, industries of
the "2+(3+6)+(4+5)" system, qualifications and evaluation dimensions are the enum names
proto/records.proto defines, spelled as yrdxctl writes them."""
import csv
import os
import random
import sys

# ---- GB 32100-2015 / GB 11714 -------------------------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_code(body8):
    """GB 11714 organisation code: 8 characters and their check character."""
    def value(c):
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10
    r = 11 - sum(value(c) * w for c, w in zip(body8, ORG_WEIGHTS)) % 11
    return body8 + ("0" if r == 11 else "X" if r == 10 else str(r))


def credit_code(district, body8):
    """A unified social credit code of an enterprise (9 = market regulator, 1 = company)
    registered in district."""
    first17 = "91" + district + org_code(body8)
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))
    return first17 + CREDIT_ALPHABET[(31 - total % 31) % 31]


# ---- cities -------------------------------------------------------------------------

CITIES = {
    "shanghai": {
        "code": 310000, "short": "上海", "prefix": "SH", "enterprises": 60,
        "districts": ["310104", "310110", "310112", "310114", "310115", "310115", "310115",
                      "310117", "310120"],
        "parks": [
            ("SH-PARK-ZJ", "张江科学城", "high_tech_zone",
             ["integrated_circuits", "biomedicine", "artificial_intelligence"], 180, 1200000),
            ("SH-PARK-CHJ", "漕河泾新兴技术开发区", "high_tech_zone",
             ["electronic_information", "artificial_intelligence", "digital_economy"], 90, 420000),
            ("SH-PARK-LG", "临港新片区前沿科技产业园", "characteristic_park",
             ["automotive", "high_end_equipment", "future_space"], 120, 800000),
            ("SH-PARK-DLHW", "大零号湾科技创新策源功能区", "characteristic_park",
             ["life_health", "future_health", "high_end_equipment"], 60, 260000),
            ("SH-PARK-G60", "G60科创走廊松江科技园", "sci_tech_demo_base",
             ["integrated_circuits", "advanced_materials", "smart_terminals"], 75, 510000),
            ("SH-PARK-SBGX", "市北高新技术服务业园区", "characteristic_park",
             ["digital_economy", "metaverse", "digital_transformation"], 40, 150000),
        ],
        "incubators": [
            ("上海交通大学国家大学科技园", "high_quality", "university_science_park",
             ["integrated_circuits", "artificial_intelligence"], ["concept_verification", "testing_lab"]),
            ("复旦大学国家大学科技园", "high_quality", "university_science_park",
             ["biomedicine", "future_health"], ["concept_verification", "patent_navigation"]),
            ("张江药谷公共服务平台孵化器", "high_quality", "state_owned",
             ["biomedicine", "life_health"], ["pilot_base", "testing_lab"]),
            ("上海人工智能实验室创新孵化中心", "high_quality_cultivation", "national_lab",
             ["artificial_intelligence", "future_intelligence"], ["concept_verification"]),
            ("中科院上海微系统所集成电路孵化器", "high_quality_cultivation", "research_institute",
             ["integrated_circuits", "electronic_information"], ["pilot_base", "testing_lab"]),
            ("临港新片区国际创新协同区孵化器", "high_quality_cultivation", "state_owned",
             ["future_space", "high_end_equipment", "green_low_carbon"], ["pilot_base"]),
            ("微软加速器（上海）", "high_quality_cultivation", "foreign_rd_center",
             ["digital_economy", "artificial_intelligence"], []),
            ("元禾原点创投孵化器", "standard", "investment_institution",
             ["integrated_circuits", "advanced_materials"], ["patent_navigation"]),
            ("杨浦创业者公共实训基地", "standard", "incubation_talent",
             ["digital_transformation", "metaverse"], []),
            ("徐汇西岸智塔众创空间", "standard", "leading_enterprise",
             ["artificial_intelligence", "smart_terminals"], ["testing_lab"]),
        ],
    },
    "hangzhou": {
        "code": 330100, "short": "杭州", "prefix": "HZ", "enterprises": 45,
        "districts": ["330106", "330108", "330108", "330109", "330110", "330110", "330114"],
        "parks": [
            ("HZ-PARK-FST", "杭州未来科技城", "high_tech_zone",
             ["digital_economy", "artificial_intelligence", "future_health"], 150, 900000),
            ("HZ-PARK-BJ", "杭州高新区（滨江）", "high_tech_zone",
             ["electronic_information", "integrated_circuits", "smart_terminals"], 110, 650000),
            ("HZ-PARK-CXZL", "城西科创大走廊", "sci_tech_demo_base",
             ["artificial_intelligence", "future_intelligence", "advanced_materials"], 80, 700000),
            ("HZ-PARK-QTBIO", "钱塘生物医药产业园", "characteristic_park",
             ["biomedicine", "life_health"], 55, 330000),
            ("HZ-PARK-XSROBOT", "萧山机器人小镇", "characteristic_park",
             ["high_end_equipment", "automotive"], 35, 180000),
        ],
        "incubators": [
            ("浙江大学国家大学科技园", "high_quality", "university_science_park",
             ["artificial_intelligence", "biomedicine"], ["concept_verification", "testing_lab"]),
            ("之江实验室成果转化孵化器", "high_quality", "national_lab",
             ["future_intelligence", "integrated_circuits"], ["concept_verification", "pilot_base"]),
            ("阿里云创新中心（未来科技城）", "high_quality_cultivation", "leading_enterprise",
             ["digital_economy", "metaverse"], ["testing_lab"]),
            ("梦想小镇互联网村", "high_quality_cultivation", "state_owned",
             ["digital_transformation", "digital_economy"], []),
            ("西湖大学创新孵化中心", "high_quality_cultivation", "research_institute",
             ["future_health", "advanced_materials"], ["concept_verification"]),
            ("海创园人才创业孵化器", "standard", "incubation_talent",
             ["electronic_information", "smart_terminals"], ["patent_navigation"]),
            ("赛伯乐投资孵化器", "standard", "investment_institution",
             ["green_low_carbon", "future_energy"], []),
        ],
    },
    "hefei": {
        "code": 340100, "short": "合肥", "prefix": "HF", "enterprises": 40,
        "districts": ["340104", "340104", "340111", "340111", "340121", "340123"],
        "parks": [
            ("HF-PARK-GX", "合肥高新技术产业开发区", "high_tech_zone",
             ["artificial_intelligence", "integrated_circuits", "future_intelligence"], 140, 980000),
            ("HF-PARK-BHKXC", "滨湖科学城", "sci_tech_demo_base",
             ["future_energy", "future_materials", "future_space"], 70, 560000),
            ("HF-PARK-JKNEV", "合肥经开区新能源汽车产业园", "characteristic_park",
             ["automotive", "green_low_carbon"], 90, 720000),
            ("HF-PARK-XZDISP", "新站高新区新型显示产业园", "characteristic_park",
             ["electronic_information", "advanced_materials"], 45, 400000),
            ("HF-PARK-ZGSG", "中国声谷", "characteristic_park",
             ["artificial_intelligence", "smart_terminals"], 65, 300000),
        ],
        "incubators": [
            ("中国科学技术大学先进技术研究院孵化器", "high_quality", "university_science_park",
             ["future_intelligence", "future_materials"], ["concept_verification", "pilot_base"]),
            ("合肥综合性国家科学中心能源研究院孵化平台", "high_quality", "national_lab",
             ["future_energy", "green_low_carbon"], ["pilot_base", "testing_lab"]),
            ("中科大硅谷创新服务中心", "high_quality_cultivation", "state_owned",
             ["integrated_circuits", "artificial_intelligence"], ["patent_navigation"]),
            ("科大讯飞人工智能产业孵化器", "high_quality_cultivation", "leading_enterprise",
             ["artificial_intelligence", "smart_terminals"], ["testing_lab"]),
            ("中科院合肥物质科学研究院技术转移孵化器", "standard", "research_institute",
             ["future_health", "advanced_materials"], ["concept_verification"]),
            ("合肥高新区创新创业园", "standard", "state_owned",
             ["electronic_information", "digital_transformation"], []),
        ],
    },
    "suzhou": {
        "code": 320500, "short": "苏州", "prefix": "SZ", "enterprises": 50,
        "districts": ["320505", "320506", "320507", "320571", "320571", "320571", "320583"],
        "parks": [
            ("SZ-PARK-SIP", "苏州工业园区", "high_tech_zone",
             ["biomedicine", "integrated_circuits", "artificial_intelligence"], 200, 1500000),
            ("SZ-PARK-SND", "苏州高新区", "high_tech_zone",
             ["electronic_information", "high_end_equipment", "green_low_carbon"], 120, 850000),
            ("SZ-PARK-BIOBAY", "苏州生物医药产业园（BioBAY）", "characteristic_park",
             ["biomedicine", "life_health", "future_health"], 60, 420000),
            ("SZ-PARK-NANO", "苏州纳米城", "characteristic_park",
             ["advanced_materials", "future_materials", "integrated_circuits"], 50, 360000),
            ("SZ-PARK-KSGX", "昆山高新技术产业开发区", "high_tech_zone",
             ["smart_terminals", "electronic_information", "automotive"], 85, 610000),
        ],
        "incubators": [
            ("苏州国际科技园", "high_quality", "state_owned",
             ["digital_economy", "electronic_information"], ["testing_lab", "patent_navigation"]),
            ("中科院苏州医工所技术孵化中心", "high_quality", "research_institute",
             ["life_health", "high_end_equipment"], ["concept_verification", "pilot_base"]),
            ("西交利物浦大学创业家学院孵化器", "high_quality_cultivation", "university_science_park",
             ["artificial_intelligence", "future_intelligence"], ["concept_verification"]),
            ("苏州纳米城创新中心", "high_quality_cultivation", "state_owned",
             ["advanced_materials", "future_materials"], ["pilot_base", "testing_lab"]),
            ("博世苏州创新孵化中心", "standard", "foreign_rd_center",
             ["automotive", "smart_terminals"], ["testing_lab"]),
            ("元禾控股独墅湖创业大厦", "standard", "investment_institution",
             ["biomedicine", "integrated_circuits"], []),
        ],
    },
}

INDUSTRY_WORDS = {
    "digital_transformation": ("数智", "数字科技"),
    "green_transformation": ("绿能", "低碳技术"),
    "integrated_circuits": ("芯", "微电子"),
    "biomedicine": ("康", "生物医药"),
    "artificial_intelligence": ("智", "智能科技"),
    "electronic_information": ("讯", "电子信息"),
    "life_health": ("和", "医疗器械"),
    "automotive": ("驰", "汽车科技"),
    "high_end_equipment": ("精", "智能装备"),
    "advanced_materials": ("材", "新材料"),
    "fashion_consumer_goods": ("尚", "消费品"),
    "digital_economy": ("云", "信息技术"),
    "green_low_carbon": ("碳", "环境科技"),
    "metaverse": ("元", "数字孪生"),
    "smart_terminals": ("端", "智能终端"),
    "future_health": ("源", "基因科技"),
    "future_intelligence": ("脑", "类脑智能"),
    "future_energy": ("氢", "新能源"),
    "future_space": ("星", "空天科技"),
    "future_materials": ("晶", "前沿材料"),
}
BRAND = "联创新华博远泽宇恒锐微光启航晟辰拓海睿芯弘图瀚卓"
STAGES = ["seed", "startup", "startup", "growth", "growth", "growth", "graduated", "landed"]
DIMENSIONS = ["talent", "hard_tech_origination", "disruptive_conversion",
              "high_growth_incubation", "resource_integration"]
BODY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def incubator_rows(city, rng):
    rows = []
    for i, (name, tier, operator, industries, platforms) in enumerate(city["incubators"], 1):
        hq = tier == "high_quality"
        rows.append({
            "id": "%s-INC-%04d" % (city["prefix"], i),
            "name": name,
            "city": city["code"],
            "tier": tier,
            "operator_type": operator,
            "focus_industries": ";".join(industries),
            "platforms": ";".join(platforms),
            "seed_fund_wan_yuan": rng.choice([5000, 10000, 20000, 30000]) if hq else
            rng.choice([0, 1000, 2000, 5000]),
            "mentors": rng.randint(30, 80) if hq else rng.randint(5, 30),
            "transformed": "true" if hq or rng.random() < 0.3 else "",
            "area_m2": rng.randrange(8000, 60000, 500),
        })
    return rows


def park_rows(city):
    return [{"id": pid, "name": name, "city": city["code"], "type": ptype,
             "industries": ";".join(industries), "capacity": capacity, "area_m2": area}
            for pid, name, ptype, industries, capacity, area in city["parks"]]


def enterprise_rows(city, rng, incubators, parks):
    rows, seen = [], set()
    for i in range(city["enterprises"]):
        industries = rng.sample(sorted(INDUSTRY_WORDS), rng.choice([1, 1, 2, 2, 3]))
        stage = rng.choice(STAGES)
        brand = rng.choice(BRAND) + INDUSTRY_WORDS[industries[0]][0]
        name = "%s%s%s有限公司" % (city["short"], brand, INDUSTRY_WORDS[industries[0]][1])
        if rng.random() < 0.1:
            name = name.replace("有限公司", "（集团）股份有限公司")
        while name in seen:  # registered names are unique within a city
            name = name.replace(city["short"], city["short"] + rng.choice(BRAND), 1)
        seen.add(name)
        quals = ["tech_sme"]
        if stage in ("growth", "graduated", "landed"):
            quals.append("high_tech")
            if rng.random() < 0.35:
                quals.append("gazelle")
            if rng.random() < 0.2:
                quals.append("little_giant")
        if rng.random() < 0.3:
            quals.append("hard_tech")
        body = "MA" + "".join(rng.choice(BODY_ALPHABET) for _ in range(6))
        founded = {"seed": 2023, "startup": 2021}.get(stage, 2016) + rng.randint(0, 2)
        employees = {"seed": 6, "startup": 25, "growth": 90}.get(stage, 260)
        revenue = 0 if stage == "seed" else rng.randint(1, 40) * employees * 10
        rows.append({
            "credit_code": credit_code(rng.choice(city["districts"]), body),
            "name": name,
            "city": city["code"],
            "stage": stage,
            "incubator_ids": ";".join(sorted(rng.sample([r["id"] for r in incubators],
                                                        rng.choice([1, 1, 1, 2])))),
            "industries": ";".join(industries),
            "qualifications": ";".join(quals),
            "employees": employees + rng.randint(0, employees),
            "patents": rng.randint(0, 3) if stage == "seed" else rng.randint(2, 60),
            "funding_wan_yuan": rng.choice([0, 200, 500, 1500, 5000, 12000, 30000]),
            "park_id": rng.choice(parks)["id"] if stage == "landed" else "",
            "founded_year": founded,
            "financials.revenue_wan_yuan": revenue,
            "financials.rd_spend_wan_yuan": revenue // rng.randint(5, 12),
            "financials.valuation_wan_yuan": rng.randint(2, 80) * 1000 if revenue else "",
        })
    return rows


# Results the sample fixes, so that it shows every move of the plan's 动态调整 (tiers.h):
# a 高质量 incubator adjusted one tier down, a 培育 one eliminated from the list, and one in
# cultivation excellent twice (a promotion candidate). The others follow their scores.
FIXED_RESULTS = {
    ("SH-INC-0003", "2024"): "passed",
    ("SH-INC-0003", "2025"): "adjusted",
    ("SH-INC-0006", "2025"): "eliminated",
    ("SH-INC-0004", "2024"): "excellent",
    ("SH-INC-0004", "2025"): "excellent",
    ("HF-INC-0002", "2025"): "adjusted",
    ("HF-INC-0004", "2025"): "eliminated",
}
# The scores a fixed result is drawn from (a mean that earns it).
SCORE_RANGE = {"excellent": (86, 98), "passed": (72, 88), "adjusted": (60, 70),
               "eliminated": (45, 60)}


def evaluation_rows(city, rng, incubators):
    """Two periods (2024, 2025) for every 高质量 and 培育 incubator, funded as the plan
    phases it: 启动建设经费 in the first evaluated period only, 年度运营补贴 once a year,
    里程碑奖励 only after a milestone evaluated excellent or passed."""
    rows = []
    for inc in incubators:
        if inc["tier"] == "standard":
            continue
        for period in ("2024", "2025"):
            fixed = FIXED_RESULTS.get((inc["id"], period))
            low, high = SCORE_RANGE[fixed] if fixed else (55, 98)
            scores = [(d, rng.randint(low, high)) for d in DIMENSIONS]
            mean = sum(s for _, s in scores) / len(scores)
            result = fixed or ("excellent" if mean >= 85 else "passed" if mean >= 70 else
                               "adjusted" if mean >= 60 else "eliminated")
            hq = inc["tier"] == "high_quality"
            reward = {"excellent": 500, "passed": 200}.get(result, "")
            rows.append({
                "id": "%s/%s" % (inc["id"], period),
                "incubator_id": inc["id"],
                "period": period,
                "scores": ";".join("%s:%d" % s for s in scores),
                "result": result,
                "startup_funding_wan_yuan": (1000 if hq else 500) if period == "2024" else "",
                "operating_subsidy_wan_yuan": 300 if hq else 150,
                "milestone_reward_wan_yuan": reward,
            })
    return rows


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    for name, city in CITIES.items():
        rng = random.Random(city["code"])
        incubators = incubator_rows(city, rng)
        parks = park_rows(city)
        write(os.path.join(out, name + "-incubators.csv"), incubators)
        write(os.path.join(out, name + "-parks.csv"), parks)
        write(os.path.join(out, name + "-enterprises.csv"),
              enterprise_rows(city, rng, incubators, parks))
        write(os.path.join(out, name + "-evaluations.csv"), evaluation_rows(city, rng, incubators))


if __name__ == "__main__":
    main()
