"""The listener's lifespan: what it does to the process while the app runs."""

from __future__ import annotations

import gc

from xsell_connect.listener.services import Services


async def test_start_up_objects_are_frozen_out_of_full_collections_while_it_runs(
    services: Services,
) -> None:
    assert gc.get_freeze_count() == 0
    async with services.lifespan(None):
        assert gc.get_freeze_count() > 0  # everything alive at start-up, services included
        frozen = gc.get_freeze_count()
        gc.collect()
        assert gc.get_freeze_count() == frozen  # a full collection leaves them be
    assert gc.get_freeze_count() == 0
