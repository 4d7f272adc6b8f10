from django.urls import path

from komeji.common import views

app_name = "common"

urlpatterns = [
    path("notifikasi/", views.notification_list, name="notification_list"),
    path("notifikasi/<int:pk>/buka/", views.notification_open, name="notification_open"),
    path("notifikasi/baca-semua/", views.notification_read_all, name="notification_read_all"),
    path("bantuan/pengaduan/", views.complaint_service, name="complaint_service"),
]
