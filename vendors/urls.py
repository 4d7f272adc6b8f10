from django.urls import path

from vendors.views import community, public, seller

app_name = "vendors"

urlpatterns = [
    # Seller centre
    path("seller/", seller.seller_home, name="seller_home"),
    path("seller/buka-toko/", seller.shop_open, name="shop_open"),
    path("seller/undangan/<str:token>/", seller.invitation_accept, name="invitation_accept"),
    path("seller/<int:shop_id>/", seller.dashboard, name="dashboard"),
    path("seller/<int:shop_id>/ajukan/", seller.submit, name="submit"),
    path("seller/<int:shop_id>/profil/", seller.profile, name="profile"),
    path("seller/<int:shop_id>/libur/", seller.holiday, name="holiday"),
    path("seller/<int:shop_id>/anggota/", seller.members, name="members"),
    path(
        "seller/<int:shop_id>/anggota/<int:member_id>/hapus/",
        seller.member_remove,
        name="member_remove",
    ),
    path(
        "seller/<int:shop_id>/undangan/<int:invitation_id>/batal/",
        seller.invitation_revoke,
        name="invitation_revoke",
    ),
    path("seller/<int:shop_id>/rekening/", seller.bank_account, name="bank_account"),
    path("seller/<int:shop_id>/dokumen/", seller.legal, name="legal"),
    path("seller/<int:shop_id>/dokumen/unggah/", seller.document_upload, name="document_upload"),
    # Community centre
    path("community/", community.home, name="community_home"),
    path("community/toko/baru/", community.shop_create, name="community_shop_create"),
    path("community/toko/<int:shop_id>/", community.shop_detail, name="community_shop"),
    path(
        "community/toko/<int:shop_id>/persetujuan/",
        community.shop_consent,
        name="community_consent",
    ),
    path(
        "community/toko/<int:shop_id>/undang-pemilik/",
        community.shop_invite_owner,
        name="community_invite_owner",
    ),
    # Public
    path("toko/<slug:slug>/", public.shop_page, name="shop_page"),
    path("moderasi/dokumen/<int:document_id>/", public.document_view, name="document_view"),
]
