"""The buyer's payment pages: choosing a method, the sandbox payment page."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
