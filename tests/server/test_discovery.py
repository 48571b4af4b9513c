"""A client finds the hall server through zeroconf on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from hallq.discovery import NotFound, find_server
from tests.support.live import ServerProcess


@pytest.mark.slow
def test_client_finds_a_running_server(hall, db_url, tmp_path):
    server = ServerProcess(db_url, tmp_path / "srv", discovery=True,
                           env={"HALLQ_DISCOVERY_INTERFACES": '["127.0.0.1"]'}).start()
    try:
        found = find_server(timeout=8, interfaces=["127.0.0.1"], hall="test-hall")
        assert found.source == "zeroconf"
        assert found.hall == "test-hall" and found.name == "测试市政务服务中心" and found.api == "v1"
        assert found.url == server.url and found.tls is False
        assert httpx.get(found.url + "/api/v1/health", timeout=5).json()["hall"] == "test-hall"
    finally:
        server.stop()


def test_configured_url_is_the_fallback():
    found = find_server("http://10.1.2.3:8600/", timeout=0.5, interfaces=["127.0.0.1"], hall="no-such-hall")
    assert (found.url, found.source) == ("http://10.1.2.3:8600", "configured")
    with pytest.raises(NotFound):
        find_server(None, timeout=0.5, interfaces=["127.0.0.1"], hall="no-such-hall")


@pytest.mark.slow
def test_tls_fingerprint_is_advertised_and_pinned(hall, db_url, tmp_path):
    from hallq.client import ApiError, HallClient

    server = ServerProcess(db_url, tmp_path / "tls", discovery=True, tls=True,
                           env={"HALLQ_DISCOVERY_INTERFACES": '["127.0.0.1"]'}).start()
    try:
        found = find_server(timeout=8, interfaces=["127.0.0.1"], hall="test-hall")
        assert found.tls and found.url == server.url and len(found.fingerprint or "") == 64
        with HallClient(found.url, fingerprint=found.fingerprint) as client:
            assert client.health()["status"] == "ok"
        # the live event stream trusts the same pinned certificate
        from datetime import UTC, datetime

        from hallq.server.db import Database

        from hallq.client import EventStream
        from tests.support.live import enrol

        database = Database(db_url)
        tokens = enrol(database, datetime.now(UTC))
        database.dispose()
        stream = EventStream(found.url, tokens["display"], lambda _m: None, fingerprint=found.fingerprint).start()
        try:
            assert stream.connected.wait(10)
        finally:
            stream.stop()
        with pytest.raises(ApiError) as err:
            HallClient(found.url, fingerprint="0" * 64)
        assert err.value.code == "certificate_mismatch"
        with pytest.raises(httpx.ConnectError):
            httpx.get(found.url + "/api/v1/health")   # not trusted without the pin
    finally:
        server.stop()


def test_advertising_on_every_interface_starts_and_stops():
    """The default (no interfaces configured) is how `hallq serve` runs in a hall."""
    from hallq.server.discovery import advertise

    advert = advertise(hall_code="any-hall", hall_name="任意大厅", host="127.0.0.1", port=8600, interfaces=[],
                       tls=False, fingerprint=None)
    try:
        assert advert.info.properties[b"hall"] == b"any-hall"
    finally:
        advert.close()
