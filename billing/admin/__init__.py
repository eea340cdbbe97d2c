from billing.admin import records, templates  # noqa: F401  (registers the ModelAdmins)
