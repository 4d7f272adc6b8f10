"""The shop's couriers and rate table in the seller centre."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
