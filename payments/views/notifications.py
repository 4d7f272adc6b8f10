"""The gateways' notification endpoint."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
