from datetime import UTC, datetime

import pytest
import time_machine

TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    """All retention tests run on 15 June 2026 (a Monday), unless they travel themselves."""
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller
