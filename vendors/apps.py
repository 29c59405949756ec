from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Business associates"

    def ready(self):
        from . import determination_views

        determination_views.connect()
