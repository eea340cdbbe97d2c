from django.urls import path

from .apis import IngestedItemListApi

urlpatterns = [
    path("ingestion/items/", IngestedItemListApi.as_view(), name="ingested-item-list"),
]
