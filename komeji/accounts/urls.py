from django.urls import path

from komeji.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("alamat/", views.address_list, name="address_list"),
    path("alamat/tambah/", views.address_create, name="address_create"),
    path("alamat/<int:pk>/ubah/", views.address_edit, name="address_edit"),
    path("alamat/<int:pk>/hapus/", views.address_delete, name="address_delete"),
    path("alamat/<int:pk>/utama/", views.address_set_default, name="address_set_default"),
]
