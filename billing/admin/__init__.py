from billing.admin import merchant_rules, records, templates  # noqa: F401  (registers the ModelAdmins)
