"""Measure the reader against a labelled corpus (``NN-name.txt|pdf|docx`` + ``NN-name.json``).

The label schema is the one of ``shared/baa-corpus`` (party_terms, provisions, indemnification,
liability_cap, carve_outs, breach_notice, auto_renewal). Per field: accuracy, recall per class,
and the majority-class baseline (always answering the most common label).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from baas.provisions import PROVISIONS

from .extract import extract
from .rules import CARVE_OUT_PATTERNS, Reading, carve_out_keys, read

DOCUMENT_SUFFIXES = (".txt", ".pdf", ".docx")


def norm_term(term: str | None) -> str:
    """'the Practice', 'THE Practice' and 'Practice' name the same defined term."""
    term = (term or "").replace("\u2122", "").replace("\u00ae", "")
    term = re.sub(r"[\"'\u201c\u201d\u2018\u2019]", "", term).strip().lower()
    return re.sub(r"^the\s+", "", term)


def gold_fields(label: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    prov = label.get("provisions", {})
    for p in PROVISIONS:
        out[f"provision:{p.key}"] = bool(prov.get(p.key))
    out["provisions (all)"] = tuple(bool(prov.get(p.key)) for p in PROVISIONS)
    out["indemnification"] = label.get("indemnification")
    out["liability_cap.type"] = (label.get("liability_cap") or {}).get("type")
    bn = label.get("breach_notice") or {}
    out["breach_notice"] = (bn.get("days"), bn.get("unit"))
    out["text_only"] = bool(bn.get("text_only"))
    pt = label.get("party_terms") or {}
    out["party_terms"] = (
        norm_term(pt.get("covered_entity")),
        norm_term(pt.get("business_associate")),
    )
    keys: set[str] = set()
    for c in label.get("carve_outs") or []:
        # a category key as it is, or a phrase ("willful HIPAA violation") by its categories
        keys |= {c} if c in CARVE_OUT_PATTERNS else carve_out_keys(c.replace("_", " "))
    out["carve_outs"] = tuple(sorted(keys))
    out["auto_renewal"] = bool(label.get("auto_renewal"))
    return out


def predicted_fields(r: Reading) -> dict[str, object]:
    out: dict[str, object] = {}
    for p in PROVISIONS:
        out[f"provision:{p.key}"] = bool(r.provisions[p.key].value)
    out["provisions (all)"] = tuple(bool(r.provisions[p.key].value) for p in PROVISIONS)
    out["indemnification"] = r.indemnification.value
    out["liability_cap.type"] = r.liability_cap.value["type"]
    bn = r.breach_notice.value
    out["breach_notice"] = (bn["days"], bn["unit"])
    out["text_only"] = bool(bn["text_only"])
    pv = r.parties.value
    out["party_terms"] = (norm_term(pv["covered_entity"]), norm_term(pv["business_associate"]))
    out["carve_outs"] = tuple(sorted(set(r.carve_outs.value)))  # already category keys
    out["auto_renewal"] = bool(r.auto_renewal.value["renews"])
    return out


@dataclass
class FieldScore:
    name: str
    correct: int = 0
    total: int = 0
    gold: list = field(default_factory=list)
    hits: list = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def baseline(self) -> float:
        if not self.gold:
            return 0.0
        return Counter(map(repr, self.gold)).most_common(1)[0][1] / len(self.gold)

    def recall(self) -> dict[str, tuple[int, int]]:
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for g, ok in zip(self.gold, self.hits, strict=True):
            per[_show(g)][1] += 1
            per[_show(g)][0] += int(ok)
        return {k: (v[0], v[1]) for k, v in sorted(per.items())}


def _show(v: object) -> str:
    if isinstance(v, tuple) and len(v) == 12 and all(isinstance(x, bool) for x in v):
        return f"{sum(v)}/12 present"
    return str(v)


@dataclass
class Result:
    fields: dict[str, FieldScore]
    documents: list[dict]

    @property
    def min_accuracy(self) -> float:
        return min((f.accuracy for f in self.fields.values()), default=0.0)


def corpus(directory: Path) -> list[tuple[Path, Path]]:
    pairs = []
    for doc in sorted(directory.iterdir()):
        if doc.suffix.lower() in DOCUMENT_SUFFIXES and re.match(r"\d+-", doc.name):
            label = doc.with_suffix(".json")
            if label.exists():
                pairs.append((doc, label))
    return pairs


def evaluate(directory: Path) -> Result:
    fields: dict[str, FieldScore] = {}
    documents = []
    for doc_path, label_path in corpus(directory):
        label = json.loads(label_path.read_text(encoding="utf-8"))
        extracted = extract(doc_path.read_bytes(), doc_path.name)
        reading = read(extracted.text)
        gold = gold_fields(label)
        pred = predicted_fields(reading)
        wrong = {}
        for name, g in gold.items():
            score = fields.setdefault(name, FieldScore(name))
            ok = pred[name] == g
            score.total += 1
            score.correct += int(ok)
            score.gold.append(g)
            score.hits.append(ok)
            if not ok:
                wrong[name] = {"expected": _show(g), "read": _show(pred[name])}
        documents.append({"document": doc_path.name, "method": extracted.method, "wrong": wrong})
    return Result(fields, documents)


def report_lines(result: Result) -> list[str]:
    lines = [f"{'field':28} {'accuracy':>8} {'baseline':>8}  recall per class"]
    for f in result.fields.values():
        recall = "; ".join(f"{k}: {a}/{b}" for k, (a, b) in f.recall().items())
        lines.append(f"{f.name:28} {f.accuracy:8.2f} {f.baseline:8.2f}  {recall}")
    for d in result.documents:
        for name, w in d["wrong"].items():
            lines.append(
                f"  miss {d['document']}: {name}: expected {w['expected']}, read {w['read']}"
            )
    lines.append(f"min field accuracy {result.min_accuracy:.2f}")
    return lines


def as_json(result: Result) -> dict:
    return {
        "fields": {
            f.name: {
                "accuracy": f.accuracy,
                "baseline": f.baseline,
                "recall": {k: list(v) for k, v in f.recall().items()},
            }
            for f in result.fields.values()
        },
        "documents": result.documents,
        "min_field_accuracy": result.min_accuracy,
    }
