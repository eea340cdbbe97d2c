"""Cache coherence for the analysis API: any change to a document type or a template (admin
edits included) drops that type's cached templates when the transaction commits."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ocrengine.models import DocumentType, PromptTemplate
from ocrengine.services.templates import template_cache_invalidate


@receiver([post_save, post_delete], sender=DocumentType)
def _document_type_changed(sender, instance: DocumentType, **kwargs) -> None:
    template_cache_invalidate(document_type_code=instance.code)


@receiver([post_save, post_delete], sender=PromptTemplate)
def _template_changed(sender, instance: PromptTemplate, **kwargs) -> None:
    template_cache_invalidate(document_type_code=instance.document_type.code)
