from django.apps import AppConfig


class BaasConfig(AppConfig):
    name = "baas"
    verbose_name = "Business associate agreements"
