from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from oversight.demo import DEMO_PASSWORD, seed_people


class Command(BaseCommand):
    help = "Create two demo practices with realistic vendors and users (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        seeded = seed_people()
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.demo":
                    raise
                continue
            if config.name == "oversight":
                continue
            for demo, _ in seeded:
                module.seed(demo)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for demo, emails in seeded:
            self.stdout.write(f"  {demo.practice.name}:")
            for email in emails:
                self.stdout.write(f"    {email}")
        self.stdout.write(f"  Password for every demo login: {DEMO_PASSWORD}")
