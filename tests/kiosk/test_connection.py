"""The kiosk's link to the server: finding it, saying plainly when it is gone, what still
works meanwhile, and coming back by itself."""

from __future__ import annotations

import pytest
from hallq.kiosk.model import Issued, Link, Refused
from hallq.kiosk.model.i18n import Strings

from hallq.discovery import ServerInfo
from tests.support.proxy import FaultProxy

from .support import DemoHall, wait_for

pytestmark = pytest.mark.timeout(90)


def test_server_down_is_said_plainly_guides_still_open_and_the_kiosk_recovers(
        make_kiosk, demo_hall: DemoHall, proxy: FaultProxy) -> None:
    kiosk = make_kiosk(url=proxy.url, boot=False)
    topics: list[str] = []
    kiosk.listeners.append(topics.append)
    kiosk.start()
    wait_for(lambda: kiosk.connection.online and kiosk.catalog.loaded)
    assert kiosk.notices() == []
    # What the kiosk saw while the server answered is kept (the app also fetches every guide
    # in the background: tests/kiosk/test_ui.py waits for all 363).
    market = kiosk.catalog.search_departments(kiosk.connection, "scjd")[0]
    kiosk.take_number.choose_department(market["id"])
    items = kiosk.guides.search("yyzz")
    assert items and not kiosk.guides.cached
    assert kiosk.guides.open(items[0]["id"]) is not None

    proxy.down()
    wait_for(lambda: kiosk.connection.state == Link.OFFLINE)

    [notice] = kiosk.notices()
    assert (notice.key, notice.level, notice.hint) == ("status.offline", "error", "status.offline.hint")
    message = Strings().both(notice.key)
    assert "暂时无法连接大厅服务器" in message and "cannot be reached" in message
    assert "connection" in topics
    assert not kiosk.can_issue and not kiosk.can_look_up_credit and kiosk.can_browse_guides
    # Taking a number says why it cannot, and nothing is sent unchecked or lost.
    kiosk.take_number.search("scjd")
    department = kiosk.take_number.departments()[0]      # the search falls back to the held list
    assert department["name_zh"] == "市场监督管理局"
    # Guides come from the copy.
    offline = kiosk.guides.search("yyzz")
    assert kiosk.guides.cached and [i["id"] for i in offline] == [i["id"] for i in items]
    view_data = kiosk.guides.open(items[0]["id"])
    assert view_data is not None and kiosk.guides.current_cached

    proxy.up()
    wait_for(lambda: kiosk.connection.online, timeout=15)
    assert kiosk.notices() == []
    services = kiosk.take_number.choose_department(department["id"])
    kiosk.take_number.choose_service(services[0]["id"])
    assert isinstance(kiosk.take_number.confirm(), Issued)


def test_a_kiosk_started_while_the_server_is_away_uses_its_copy_then_connects(
        make_kiosk, demo_hall: DemoHall, proxy: FaultProxy, tmp_path) -> None:
    first = make_kiosk(url=proxy.url)             # an earlier run kept the catalog on disk
    assert first.catalog.save() is not None
    first.stop()
    proxy.down()

    kiosk = make_kiosk(url=proxy.url)
    assert kiosk.connection.state == Link.OFFLINE
    assert kiosk.catalog.loaded_from == "cache" and len(kiosk.catalog.departments) == 41
    assert [n.key for n in kiosk.notices()] == ["status.offline"]

    proxy.up()
    kiosk.poll_once()
    assert kiosk.connection.online and kiosk.catalog.loaded_from == "server"


def test_unknown_token_is_unauthorized(make_kiosk, demo_hall: DemoHall) -> None:
    kiosk = make_kiosk(token="hqd_not-a-token")
    assert kiosk.connection.state == Link.UNAUTHORIZED
    assert [n.key for n in kiosk.notices()] == ["status.unauthorized"]


def test_no_server_anywhere_is_still_searching(make_kiosk) -> None:
    kiosk = make_kiosk(url=None, discovery=True, boot=False)
    kiosk.connection._browse = lambda timeout, hall=None: []
    assert kiosk.boot() == Link.SEARCHING
    assert [n.key for n in kiosk.notices()] == ["status.searching"]
    outcome = kiosk.credit.set_query("hrjc")
    assert outcome.ok
    refused = kiosk.credit.search()
    assert refused == [] and kiosk.credit.refused == Refused("unreachable", True, {})


def test_zeroconf_answer_wins_over_the_configured_url_and_a_refusing_one_is_skipped(
        make_kiosk, demo_hall: DemoHall) -> None:
    stranger = ServerInfo(url="http://127.0.0.1:9", hall="other", name="", api="v1", tls=False,
                          fingerprint=None, source="zeroconf")
    found = ServerInfo(url=demo_hall.url, hall="xj-zwfw", name="", api="v1", tls=False, fingerprint=None,
                       source="zeroconf")
    kiosk = make_kiosk(url="http://127.0.0.1:9", discovery=True, boot=False)
    kiosk.connection._browse = lambda timeout, hall=None: [stranger, found]
    assert kiosk.connection.locate() == Link.ONLINE
    assert kiosk.connection.server == found


def test_waiting_counts_follow_the_live_event_stream(make_kiosk, demo_hall: DemoHall) -> None:
    kiosk = make_kiosk()
    topics: list[str] = []
    kiosk.listeners.append(topics.append)
    assert kiosk.connection.following
    market = kiosk.catalog.search_departments(kiosk.connection, "scjd")[0]
    service = kiosk.take_number.choose_department(market["id"])[0]
    queue_id = int(service["queue_id"])
    kiosk.take_number.choose_service(int(service["id"]))
    before = kiosk.take_number.refresh_estimate()
    assert before is not None
    waiting_in_department = kiosk.catalog.waiting_in(market["id"])
    with demo_hall.client() as http:     # another kiosk (here: the floor manager) issues a ticket
        assert http.post("/tickets", json={"service_id": service["id"]}).status_code == 201

    wait_for(lambda: (kiosk.catalog.queue(queue_id) or {}).get("waiting") == before.waiting + 1)
    assert "counts" in topics
    assert kiosk.catalog.waiting_in(market["id"]) == waiting_in_department + 1
    estimate = kiosk.take_number.follow_counts()
    assert estimate is not None and estimate.waiting == before.waiting + 1
