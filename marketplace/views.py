from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from komeji.common.models import Region


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    region_count = Region.objects.count()
    return render(request, "marketplace/home.html", {"region_count": region_count})
