from django.apps import AppConfig


class OcrengineConfig(AppConfig):
    name = "ocrengine"
