"""Thin views: /api/v1/customers/ (list, create) and /api/v1/customers/{id}/ (read, change, delete)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors, services
from customers.filters import CustomerFilter, CustomerFilterBackend
from customers.models import Customer
from customers.serializers import CustomerInputSerializer, CustomerOutputSerializer


class _CustomerApi(GenericAPIView):
    serializer_class = CustomerOutputSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        return selectors.customers_visible_to(self.request.user)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["can_view_sensitive"] = selectors.user_can_view_sensitive(self.request.user)
        return context

    def _input(self, request: Request, *, partial: bool = False) -> dict:
        data = CustomerInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        return data.validated_data


class CustomerListApi(_CustomerApi):
    filter_backends = [CustomerFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = CustomerFilter
    search_fields = ["name", "email", "phone", "tax_id"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]
    ordering = ["name", "id"]

    @extend_schema(
        operation_id="customers_list",
        responses=CustomerOutputSerializer(many=True),
        summary="List the customers you may see",
    )
    def get(self, request: Request) -> Response:
        customers = self.filter_queryset(self.get_queryset().select_related("assigned_agent"))
        page = self.paginate_queryset(customers)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=CustomerInputSerializer, responses={201: CustomerOutputSerializer},
                   summary="Create a customer (an agent's is assigned to them)")  # fmt: skip
    def post(self, request: Request) -> Response:
        customer = services.customer_create(actor=request.user, fields=self._input(request))
        return Response(self.get_serializer(customer).data, status=201)


class CustomerDetailApi(_CustomerApi):
    def _customer(self, pk: int) -> Customer:
        return selectors.customer_get(user=self.request.user, customer_id=pk)

    @extend_schema(summary="A customer")
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self._customer(pk)).data)

    @extend_schema(request=CustomerInputSerializer, summary="Replace a customer's fields")
    def put(self, request: Request, pk: int) -> Response:
        customer = self._customer(pk)
        customer = services.customer_update(
            actor=request.user, customer=customer, fields=self._input(request)
        )
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=CustomerInputSerializer, summary="Change some of a customer's fields")
    def patch(self, request: Request, pk: int) -> Response:
        customer = self._customer(pk)
        fields = self._input(request, partial=True)
        customer = services.customer_update(actor=request.user, customer=customer, fields=fields)
        return Response(self.get_serializer(customer).data)

    @extend_schema(responses={204: None}, summary="Delete a customer that owns no records")
    def delete(self, request: Request, pk: int) -> Response:
        services.customer_delete(actor=request.user, customer=self._customer(pk))
        return Response(status=204)
