"""Thin DRF views over the invoice services and selectors."""
