"""A bank template made by example, over the API: what a statement's marking screen starts
from, its pages as PNG, the dry run of a marking, and the draft it makes.

Supervisors and admins make drafts (a draft changes how nothing is read); publishing stays
an admin's (`POST /bank-templates/{id}/publish/`), and replays the sample first."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSupervisorOrAdmin
from billing.models import StatementImport
from billing.selectors import imports_visible_to
from billing.serializers import BankTemplateSerializer
from billing.services.template_examples import (
    MAX_EXAMPLE_PAGES,
    bank_for_example,
    example_markers,
    page_image_url,
    page_turn,
    sample_bytes,
    template_draft_from_example,
    template_example,
    template_example_preview,
)
from core.errors import DomainError, NotFoundError
from core.null_characters import NullFreeJSONField
from ocrengine.documents import DocumentError, PageNotFound, render_page_png

PAGE_DPI = 110  # as the invoice review screen renders pages
MAX_MARKERS = 10


class TemplateDrafter(IsSupervisorOrAdmin):
    message = "Only supervisors and administrators make bank templates from statements."


def visible_statement(user, pk: int) -> StatementImport:
    statement = imports_visible_to(user).filter(pk=pk).select_related("bank").first()
    if statement is None:
        raise NotFoundError("No such statement import.", code="not_found")
    return statement


class TemplateExampleSerializer(serializers.Serializer):
    statement = serializers.IntegerField(min_value=1, help_text="The sample statement import.")
    bank = serializers.CharField(max_length=40, help_text="An existing bank's code, or a new one.")
    bank_name = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="Required for a new bank.",
    )
    layout = NullFreeJSONField(
        help_text="kind, date_order, columns [{role, x0, x1}], labels {field: text}."
    )
    markers = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=MAX_MARKERS,
        required=False,
        help_text="Detection markers as plain text (header lines); default: suggested ones.",
    )
    notes = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class TemplateExampleDraftSerializer(serializers.Serializer):
    template = BankTemplateSerializer()
    preview = serializers.DictField()


class StatementTemplateExampleApi(APIView):
    permission_classes = [TemplateDrafter]

    @extend_schema(
        responses={200: dict},
        summary="How the generic reader reads a PDF statement: the start of a template by example",
        description="Its pages (number, width, height in the page's units), the suggested layout "
        "(columns as fractions of the page width, kind, date order, labels) and detection "
        "markers. 400 `sample_not_pdf` for a statement that is not a PDF.",
    )
    def get(self, request: Request, pk: int) -> Response:
        statement = visible_statement(request.user, pk)
        example = template_example(statement_import=statement)
        example["pages"] = [
            {
                **page,
                "image_url": page_image_url(
                    f"/api/v1/statements/{pk}/pages/{page['number']}.png", page
                ),
            }
            for page in example["pages"]
        ]
        return Response(example)


class StatementPageApi(APIView):
    permission_classes = [TemplateDrafter]

    @extend_schema(
        summary="One page of a PDF statement rendered as PNG (1-based), for marking it",
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            400: OpenApiResponse(),
            404: OpenApiResponse(),
        },
    )
    def get(self, request: Request, pk: int, number: int):
        from django.http import HttpResponse

        statement = visible_statement(request.user, pk)
        if not 1 <= number <= MAX_EXAMPLE_PAGES:
            raise NotFoundError(f"Page {number} is not shown.", code="page_not_found")
        try:
            png = render_page_png(
                sample_bytes(statement),
                number,
                mime="application/pdf",
                dpi=PAGE_DPI,
                max_image_pixels=settings.OCR_MAX_IMAGE_PIXELS,
                turned=page_turn(request.query_params.get("turned")),
            )
        except PageNotFound as error:
            raise NotFoundError(
                f"Page {number} does not exist.", code="page_not_found", details=error.details
            ) from None
        except DocumentError as error:
            raise DomainError(
                f"The statement cannot be rendered: {error.message}", code="document_unreadable"
            ) from None
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        return response


def _dry_run(request: Request) -> tuple[dict, StatementImport, list, dict]:
    """The request's marking (validated), its sample statement as the caller may see it, the
    markers (the statement's own when none were sent) and the dry run of the marking on it."""
    serializer = TemplateExampleSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    statement = visible_statement(request.user, data["statement"])
    markers = data.get("markers")
    if markers is None:
        markers = example_markers(statement_import=statement)
    preview = template_example_preview(
        statement_import=statement, bank_code=data["bank"], marks=data["layout"], markers=markers
    )
    return data, statement, markers, preview


class BankTemplateFromExamplePreviewApi(APIView):
    permission_classes = [TemplateDrafter]

    @extend_schema(
        request=TemplateExampleSerializer,
        responses={200: dict},
        summary="Dry run of a marking on its sample statement; saves nothing",
        description="The bills, rows and checks the marked layout reads from the sample, and "
        "`status` (`verified` only when they reconcile). 400 `invalid_template` lists every "
        "error of the layout.",
    )
    def post(self, request: Request) -> Response:
        _data, _statement, _markers, result = _dry_run(request)
        return Response(result)


class BankTemplateFromExampleApi(APIView):
    permission_classes = [TemplateDrafter]

    @extend_schema(
        request=TemplateExampleSerializer,
        responses={201: TemplateExampleDraftSerializer},
        summary="Save a marking as a draft version of the bank's template (a new bank if need be)",
        description="The draft remembers its sample: publishing it replays the sample and is "
        "refused (409 `template_not_reconciling`) unless the bills reconcile. The response "
        "carries the dry run of the draft on its sample (`preview`).",
    )
    def post(self, request: Request) -> Response:
        # The marking is checked on the sample before any bank is created for it.
        data, statement, markers, preview = _dry_run(request)
        bank = bank_for_example(code=data["bank"], name=data["bank_name"])
        template = template_draft_from_example(
            statement_import=statement, bank=bank, marks=data["layout"], markers=markers,
            created_by=request.user, notes=data["notes"],
        )  # fmt: skip
        body = {
            "template": {**BankTemplateSerializer(template).data, "sample": statement.pk},
            "preview": preview,
        }
        return Response(body, status=201)
