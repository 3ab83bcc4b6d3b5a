"""Every code an answer shows has a Chinese label, through GraphQL (issue 7, labels)."""

from __future__ import annotations

QUERY = """query($t: String!) { labels(tenant: $t) { kind code label } }"""
EVALUATE = """query($t: String!) { evaluate(tenant: $t, household: {members: [
  {name: "张三", relation: APPLICANT, age: 40, ableToWork: true, employment: UNEMPLOYED}]})
  { category groups measures reasons { code } entitlements { programme } } }"""


def test_every_code_an_evaluation_shows_has_a_chinese_label(http):
    for tenant in ("hebei", "demo_city", "gansu"):
        body = http.post("/graphql", json={"query": QUERY, "variables": {"t": tenant}}).json()
        labels = {(x["kind"], x["code"]): x["label"] for x in body["data"]["labels"]}
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in labels.values())
        ev = http.post("/graphql", json={"query": EVALUATE, "variables": {"t": tenant}}).json()
        ev = ev["data"]["evaluate"]
        shown = [("category", ev["category"])] if ev["category"] else []
        shown += [("group", g) for g in ev["groups"]] + [("measure", m) for m in ev["measures"]]
        shown += [("reason", r["code"]) for r in ev["reasons"]]
        shown += [("programme", e["programme"]) for e in ev["entitlements"]]
        assert shown and all(key in labels for key in shown), set(shown) - set(labels)
    assert labels[("category", "kunnan")] == "困难职工"
