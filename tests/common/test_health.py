import pytest


@pytest.mark.django_db(transaction=True)
def test_health_reports_database_redis_and_worker(client, celery_worker):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["celery"]["status"] == "ok"
    assert body["checks"]["celery"]["workers"] >= 1


@pytest.mark.django_db
def test_health_is_503_when_redis_is_unreachable(client, settings):
    settings.CACHE_URL = "redis://127.0.0.1:1/1"
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "error"
