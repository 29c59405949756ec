from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        from oversight import queue
        from vendors import panels

        from .freshness import token
        from .panels import vendor_reminders

        panels.register(vendor_reminders)
        queue.register_data_token(token)
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="reminders_triggers")


def _install_triggers(sender, using="default", **kwargs):
    """The triggers that tell the sweep which practices changed (``freshness.py``), on every
    table that exists after this ``migrate``."""
    from .freshness import install_triggers

    install_triggers(using)
