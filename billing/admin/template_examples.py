""" "Make a bank template from this statement" in the admin: the sample's first pages with the
columns drawn on them, a form for each column's role and x-range, the account kind, the date
order, each summary field's label, the detection markers and the bank (existing or new);
Preview (the dry run), Save draft, and Publish (only when the dry run is verified).

Served by BankTemplateAdmin (`billing/admin/templates.py`) under
/admin/billing/banktemplate/from-statement/<id>/, reached from the statement import's page.
The page runs one static script (`billing/template_example.js`) and no inline code."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from billing.models import Bank, StatementImport
from billing.parsers.template_spec import LAYOUT_LABELS, LAYOUT_ROLES, MAX_LAYOUT_COLUMNS
from billing.services.reference_data import OTHER_BANK_CODE
from billing.services.template_examples import (
    MAX_EXAMPLE_PAGES,
    bank_for_example,
    page_image_url,
    page_turn,
    sample_bytes,
    template_draft_from_example,
    template_example,
    template_example_preview,
)
from billing.services.templates import template_publish
from core.errors import DomainError
from ocrengine.documents import DocumentError, render_page_png

PAGE_DPI = 110
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
LABEL_NAMES = {
    "statement_date": "Statement date",
    "due_date": "Due date",
    "previous_balance": "Previous (opening) balance",
    "new_balance": "New (closing) balance",
    "minimum_payment": "Minimum payment",
}


class ExampleForm(forms.Form):
    bank = forms.ModelChoiceField(
        queryset=Bank.objects.exclude(code=OTHER_BANK_CODE).order_by("name"),
        required=False,
        empty_label="— a new bank (below) —",
    )
    new_bank_code = forms.CharField(
        required=False, max_length=40, help_text="Lowercase letters, digits, '_' (zorg_bank)."
    )
    new_bank_name = forms.CharField(required=False, max_length=100)
    kind = forms.ChoiceField(
        choices=[("card", "Card (balance owed)"), ("current", "Current account (balance held)")]
    )
    date_order = forms.ChoiceField(
        choices=[("day_first", "Day first (31/01)"), ("month_first", "Month first (01/31)")]
    )
    markers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Detection markers, one per line: text printed near the top of every "
        "statement of this bank (all must appear in its first 40 lines).",
    )
    notes = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in LAYOUT_LABELS:
            self.fields[f"label_{name}"] = forms.CharField(
                required=False, max_length=80, label=f"Label: {LABEL_NAMES[name]}",
                help_text="As printed; empty: the reader's own label lists.",
            )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("bank") and not cleaned.get("new_bank_code"):
            raise forms.ValidationError("Choose the bank, or give a new bank's code and name.")
        return cleaned

    def bank_code(self) -> str:
        bank = self.cleaned_data.get("bank")
        return bank.code if bank else self.cleaned_data["new_bank_code"].strip()

    def marker_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["markers"].splitlines() if line.strip()]


class ColumnForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("", "— none (remove) —"), *((role, role) for role in LAYOUT_ROLES)],
        required=False,
    )
    x0 = forms.FloatField(required=False, min_value=0, max_value=1)
    x1 = forms.FloatField(required=False, min_value=0, max_value=1)


ColumnFormSet = forms.formset_factory(ColumnForm, extra=2, max_num=MAX_LAYOUT_COLUMNS)


def marked_layout(form: ExampleForm, columns) -> dict:
    """The layout spec the forms describe (validated by the service, not here)."""
    marked = [
        {"role": c["role"], "x0": c["x0"], "x1": c["x1"]}
        for c in columns.cleaned_data
        if c.get("role") and c.get("x0") is not None and c.get("x1") is not None
    ]
    labels = {
        name: form.cleaned_data[f"label_{name}"].strip()
        for name in LAYOUT_LABELS
        if form.cleaned_data.get(f"label_{name}", "").strip()
    }
    layout = {"kind": form.cleaned_data["kind"], "date_order": form.cleaned_data["date_order"],
              "columns": marked}  # fmt: skip
    if labels:
        layout["labels"] = labels
    return layout


def _initial(statement: StatementImport, example: dict) -> tuple[dict, list[dict]]:
    layout = example["layout"]
    initial = {
        "bank": statement.bank
        if statement.bank and statement.bank.code != OTHER_BANK_CODE
        else None,
        "kind": layout.get("kind", "card"),
        "date_order": layout.get("date_order", "day_first"),
        "markers": "\n".join(example["markers"]),
        **{f"label_{name}": text for name, text in (layout.get("labels") or {}).items()},
    }
    return initial, [dict(column) for column in layout.get("columns", [])]


def _drawn_columns(columns, pages: list[dict]) -> list[dict]:
    """Each marked column as a box on each page, in the page's own units."""
    out = []
    rows = columns.cleaned_data if columns.is_bound and columns.is_valid() else columns.initial
    for index, column in enumerate(rows or []):
        x0, x1 = column.get("x0"), column.get("x1")
        if column.get("role") and x0 is not None and x1 is not None and x0 < x1:
            out.append({"index": index, "role": column["role"], "x0": x0, "x1": x1})
    return [
        {
            **page,
            "boxes": [
                {
                    **box,
                    "x": box["x0"] * page["width"],
                    "w": (box["x1"] - box["x0"]) * page["width"],
                }
                for box in out
            ],
        }
        for page in pages
    ]


def example_view(model_admin, request, statement_id: int):
    statement = get_object_or_404(StatementImport.objects.select_related("bank"), pk=statement_id)
    if not model_admin.has_add_permission(request):
        return HttpResponseRedirect(reverse("admin:index"))
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta,
               "title": "Make a bank template from this statement", "statement": statement}  # fmt: skip
    try:
        example = template_example(statement_import=statement)
    except DomainError as failure:
        context["refusal"] = {"code": failure.code, "message": failure.message}
        return _respond(request, context)
    initial, initial_columns = _initial(statement, example)
    form = ExampleForm(request.POST or None, initial=initial)
    columns = ColumnFormSet(request.POST or None, initial=initial_columns, prefix="column")
    result, error = None, None
    if request.method == "POST" and form.is_valid() and columns.is_valid():
        action = request.POST.get("action", "preview")
        layout = marked_layout(form, columns)
        try:
            result = template_example_preview(
                statement_import=statement, bank_code=form.bank_code(), marks=layout,
                markers=form.marker_lines(),
            )  # fmt: skip
            if action in ("save", "publish"):
                done = _save(request, statement, form, layout, result, publish=action == "publish")
                if done is not None:
                    return done
        except DomainError as failure:
            error = {"code": failure.code, "message": failure.message,
                     "errors": failure.details.get("errors", [])}  # fmt: skip
    page_url = "admin:billing_banktemplate_example_page"
    pages = [
        {
            **page,
            "image_url": page_image_url(
                reverse(page_url, args=[statement.pk, page["number"]]), page
            ),
        }
        for page in example["pages"]
    ]
    context.update(
        form=form, columns=columns, result=result, error=error,
        pages=_drawn_columns(columns, pages), page_count=example["page_count"],
    )  # fmt: skip
    return _respond(request, context)


def _save(request, statement, form: ExampleForm, layout: dict, result: dict, *, publish: bool):
    """Save the draft (and publish it when asked and the dry run is verified); a redirect to
    the new version, or None to show the page again with the reason."""
    if publish and (result["status"] != "verified" or not result["template_matched"]):
        messages.error(
            request,
            "Not published, nothing saved: the dry run on this statement is "
            f"{result['status']!r}"
            + ("" if result["template_matched"] else " and the markers do not match it")
            + ". Correct the marks (see the checks below).",
        )
        return None
    bank = bank_for_example(code=form.bank_code(), name=form.cleaned_data["new_bank_name"])
    template = template_draft_from_example(
        statement_import=statement, bank=bank, marks=layout, markers=form.marker_lines(),
        created_by=request.user, notes=form.cleaned_data["notes"],
    )  # fmt: skip
    if publish:
        template = template_publish(template=template)
        messages.success(request, f"Published {template.bank.code} v{template.version}.")
    else:
        messages.success(
            request,
            f"Saved as {template.bank.code} v{template.version} (draft). Publish it from the "
            "list: it is published only if it reads this statement into reconciling bills.",
        )
    return HttpResponseRedirect(reverse("admin:billing_banktemplate_change", args=[template.pk]))


def _respond(request, context) -> TemplateResponse:
    response = TemplateResponse(request, "admin/billing/banktemplate/from_statement.html", context)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def example_page_view(model_admin, request, statement_id: int, number: int) -> HttpResponse:
    statement = get_object_or_404(StatementImport, pk=statement_id)
    if not model_admin.has_add_permission(request) or not 1 <= number <= MAX_EXAMPLE_PAGES:
        raise Http404("No such page.")
    try:
        png = render_page_png(
            sample_bytes(statement), number, mime="application/pdf", dpi=PAGE_DPI,
            max_image_pixels=settings.OCR_MAX_IMAGE_PIXELS,
            turned=page_turn(request.GET.get("turned")),
        )  # fmt: skip
    except (DomainError, DocumentError):
        raise Http404("The page cannot be rendered.") from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
