"""Legal documents on S3 (production): a private bucket of their own, holding only ciphertext.
Runs against a local S3 server (moto), through django-storages, as in production."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.vendors.conftest import jpeg_upload
from vendors import documents
from vendors.services import documents as document_services

BUCKET = "komeji-dokumen-test"


@pytest.fixture
def s3_documents(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="ap-southeast-3")
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "ap-southeast-3",
                "default_acl": "private",
                "file_overwrite": False,
                "querystring_auth": True,
            },
        },
    }
    yield client
    server.stop()


@pytest.mark.django_db
def test_a_document_on_s3_is_private_and_encrypted(s3_documents, owner, shop):
    # Given a KTP photo uploaded by the owner
    upload = jpeg_upload("ktp.jpg", size=(320, 200))
    original = upload.read()
    upload.seek(0)
    document = document_services.shop_document_upload(
        shop_id=shop.pk, actor=owner, kind="ktp", upload=upload
    )
    # Then the bucket holds one object: ciphertext, readable by nobody but its owner account
    keys = [o["Key"] for o in s3_documents.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [document.storage_name]
    stored = s3_documents.get_object(Bucket=BUCKET, Key=document.storage_name)["Body"].read()
    assert stored != original
    assert b"\xff\xd8\xff" not in stored  # no JPEG inside, in the clear
    assert stored.startswith(b"gAAAA")  # a Fernet token
    grants = s3_documents.get_object_acl(Bucket=BUCKET, Key=document.storage_name)["Grants"]
    assert [g["Grantee"].get("URI") for g in grants if g["Grantee"].get("URI")] == []
    # And Komeji reads it back decrypted, as a cleaned JPEG
    assert documents.document_read(name=document.storage_name).startswith(b"\xff\xd8\xff")
