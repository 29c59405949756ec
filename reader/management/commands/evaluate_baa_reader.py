"""Measure the BAA reader on a labelled corpus.

``python manage.py evaluate_baa_reader DIR [--min 0.95] [--json OUT]``
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reader.evaluation import as_json, corpus, evaluate, report_lines


class Command(BaseCommand):
    help = (
        "Read every NN-*.txt|pdf|docx of DIR with its NN-*.json labels and print, per field, the "
        "accuracy and per-class recall beside the majority-class baseline."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--min", type=float, default=None, dest="minimum")
        parser.add_argument("--json", default=None, dest="json_out")

    def handle(self, *args, directory, minimum, json_out, **options):
        path = Path(directory)
        if not path.is_dir() or not corpus(path):
            raise CommandError(
                f"No labelled documents (NN-name.txt|pdf|docx + NN-name.json) in {path}"
            )
        result = evaluate(path)
        if json_out:
            Path(json_out).write_text(json.dumps(as_json(result), indent=2), encoding="utf-8")
        for line in report_lines(result):
            self.stdout.write(line)
        if minimum is not None and result.min_accuracy < minimum:
            raise CommandError(
                f"min field accuracy {result.min_accuracy:.2f} is under {minimum:.2f}"
            )
