import pytest


@pytest.fixture
def live(db, tmp_path):
    """The live hall as the bench runs it: the per-kiosk issue limit off."""
    from tests.support.live import start_live_hall

    hall = start_live_hall(db, tmp_path, kiosk_issues_per_minute=0)
    yield hall
    hall.server.stop()
