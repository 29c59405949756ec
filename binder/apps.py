from django.apps import AppConfig


class BinderConfig(AppConfig):
    name = "binder"
    verbose_name = "OCR audit binder"
