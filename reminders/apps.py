from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        from vendors import panels

        from .panels import vendor_reminders

        panels.register(vendor_reminders)
