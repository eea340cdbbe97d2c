from ocrengine.admin import jobs  # noqa: F401
