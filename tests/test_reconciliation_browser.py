"""In real Chromium: click every dashboard figure on the demo data and compare it with the
number of rows the list it opens shows (issue 11, "Every number equals the list it opens")."""

import re

import pytest
from django.core.management import call_command

from .test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_rows(page) -> int:
    """The number of rows the opened list says it has in all (or shows, for the action list)."""
    if page.locator("#queue-total").count():
        return int(page.inner_text("#queue-total"))
    for table in ("#vendors", "#agreements"):
        if page.locator(table).count():
            caption = page.inner_text(f"{table} caption")
            return int(re.match(r"(\d+)", caption).group(1))
    return page.locator("#actions tbody tr:not(:has(td[colspan]))").count()


def test_every_dashboard_figure_equals_the_list_it_opens(page, live_server):
    call_command("seed_demo", verbosity=0)
    sign_in(page, live_server, "manager@riverside.example")
    figures = page.eval_on_selector_all(
        "[data-figure]", "els => els.map(e => [e.dataset.figure, e.textContent])"
    )
    keys = [key for key, _ in figures]
    assert {"gap_count", "active_phi_covered", "expiring_90", "critical_findings"} <= set(keys)
    for key, text in figures:
        page.goto(f"{live_server.url}/")
        expected = int(re.search(r"\d+", text).group(0))
        page.click(f'[data-figure="{key}"]')
        page.wait_for_load_state()
        assert shown_rows(page) == expected, f"{key}: the dashboard says {expected}"
