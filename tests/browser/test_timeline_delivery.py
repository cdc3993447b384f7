"""The youth page with an outgoing message in every delivery state: screenshot and axe."""

from __future__ import annotations

import pytest

from tests.admin import factories
from tests.admin.test_timeline_delivery import youth_in_every_state

pytestmark = [pytest.mark.browser, pytest.mark.db]


async def test_the_delivery_states_read_well_in_a_browser(panel, visit, database, clock):
    world = await factories.world(database, clock)
    youth = await youth_in_every_state(database, clock, world)
    tab = await visit(world.coordinator_a)
    await tab.page.goto(panel.url(f"/youths/{youth.id}"))
    await tab.check("timeline-delivery")
    states = await tab.page.eval_on_selector_all(
        "#timeline [data-delivery]", "nodes => nodes.map(n => n.dataset.delivery)"
    )
    assert sorted(set(states)) == ["failed", "not_sent", "queued", "sent", "uncertain"]
    warning = tab.page.locator('#timeline [data-delivery="uncertain"]')
    assert await warning.is_visible()
    assert "misschien niet aangekomen" in (await warning.text_content() or "")
