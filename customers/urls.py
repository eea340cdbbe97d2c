from django.urls import path

from customers.apis import CustomerDetailApi, CustomerListApi

urlpatterns = [
    path("customers/", CustomerListApi.as_view(), name="customer-list"),
    path("customers/<int:pk>/", CustomerDetailApi.as_view(), name="customer-detail"),
]
