"""The reader measured on labelled agreements (issue 14): the shared development set of real,
public BAAs, read from ../shared/baa-corpus (never copied into the repository)."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "baa-corpus"
OWN = Path(__file__).resolve().parent / "reader_corpus"
THRESHOLD = 0.95


def _corpus_or_skip(path: Path) -> Path:
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; CI measures the reader on it")
        pytest.skip(f"{path} is not on this machine")
    return path


def test_the_shared_corpus_is_read_at_the_threshold(capsys, tmp_path):
    corpus = _corpus_or_skip(SHARED)
    out = tmp_path / "result.json"
    call_command("evaluate_baa_reader", str(corpus), "--min", str(THRESHOLD), "--json", str(out))
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("min field accuracy ")
    assert float(lines[-1].split()[-1]) >= THRESHOLD
    # every field the issue names is measured, beside its majority baseline
    for name in (
        "provision:permitted_uses",
        "provisions (all)",
        "indemnification",
        "liability_cap.type",
        "breach_notice",
        "text_only",
        "party_terms",
        "carve_outs",
        "auto_renewal",
    ):
        assert any(line.startswith(name) for line in lines), name
    assert '"min_field_accuracy"' in out.read_text()


def test_our_own_corpus_is_read_at_the_threshold(capsys):
    """41 agreements written for this repository (36 by tests/reader_corpus/make_corpus.py, 5
    paraphrased by hand): caps in months and multiples of fees, fraud carve-outs, auto-renewal,
    pre-2013 texts, inverted labels, subcontractor BAAs, odd numbering; 3 text PDFs, 1 DOCX and
    3 noisy scans."""
    if any(p.suffix == ".pdf" for p in OWN.iterdir()) and not shutil.which("tesseract"):
        if os.environ.get("CI"):
            pytest.fail("tesseract-ocr is required under CI for the scanned agreements")
        pytest.skip("tesseract not installed: the scanned agreements cannot be read")
    call_command("evaluate_baa_reader", str(OWN), "--min", str(THRESHOLD))
    out = capsys.readouterr().out
    assert float(out.strip().splitlines()[-1].split()[-1]) >= THRESHOLD
    assert "multiple_of_fees: 5/5" in out  # every class the real set lacks is measured
    assert "ce_indemnifies_ba: 6/6" in out


def test_the_command_fails_under_the_minimum(tmp_path):
    (tmp_path / "01-odd.txt").write_text("A letter about lunch, not an agreement.")
    (tmp_path / "01-odd.json").write_text(
        '{"party_terms": {"covered_entity": "Covered Entity", "business_associate": "Vendor"},'
        ' "provisions": {"permitted_uses": true}, "indemnification": "mutual",'
        ' "liability_cap": {"type": "fixed_amount"}, "carve_outs": ["fraud"],'
        ' "breach_notice": {"days": 5, "unit": "calendar", "text_only": false},'
        ' "auto_renewal": true}'
    )
    with pytest.raises(CommandError, match="under 0.95"):
        call_command("evaluate_baa_reader", str(tmp_path), "--min", "0.95")


def test_the_command_refuses_a_directory_without_labels(tmp_path):
    with pytest.raises(CommandError, match="No labelled documents"):
        call_command("evaluate_baa_reader", str(tmp_path))
