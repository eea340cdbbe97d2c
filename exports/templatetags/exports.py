"""{% export_formats "invoices" as formats %}: the workbench's download menu, from the one
registry of formats (exports/formats/)."""

from django import template

from exports.formats import FORMATS, formats_for

register = template.Library()


@register.simple_tag
def export_formats(dataset: str) -> list[dict]:
    return [
        {"name": name, "label": FORMATS[name].label, "extension": FORMATS[name].extension}
        for name in formats_for(dataset)
    ]
