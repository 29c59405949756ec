"""Accessibility (axe-core, vendored in tests/assets) and the Content-Security-Policy in a real
browser: on the main pages, no serious or critical axe violation and no CSP violation.

axe is injected through the DevTools protocol (``page.evaluate``), which the page's CSP does not
govern; the pages themselves load nothing but their own static files.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from oversight.demo import DEMO_PASSWORD
from vendors.models import BusinessAssociate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "assets" / "axe.min.js").read_text()

# Collects CSP violations from the first moment of each document.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.fixture
def watched(page):
    """The page, with every console message and CSP violation recorded."""
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.add_init_script(WATCH_CSP)
    return page


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def axe_problems(page) -> list[str]:
    page.evaluate(AXE + "\n;undefined")
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
          }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def csp_problems(page) -> list[str]:
    recorded = page.evaluate("() => window.__cspViolations || []")
    console = [m for m in page.console_errors if "Content Security Policy" in m]
    return recorded + console


def test_main_pages_have_no_serious_accessibility_or_csp_problem(watched, live_server, demo):
    page = watched
    page.goto(f"{live_server.url}/accounts/login/")
    problems = {"login": axe_problems(page) + csp_problems(page)}
    page.screenshot(path="test-artifacts/a11y-login.png", full_page=True)

    sign_in(page, live_server, "admin@riverside.example")
    vendor = BusinessAssociate.objects.filter(organization__name__startswith="Riverside").first()
    pages = {
        "home": "/",
        "vendor list": "/vendors/",
        "vendor detail": f"/vendors/{vendor.pk}/",
        "vendor form": f"/vendors/{vendor.pk}/edit/",
        "new vendor": "/vendors/new/",
        "members": "/practice/members/",
        "settings": "/practice/settings/",
        "two-factor": "/accounts/2fa/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        problems[name] = axe_problems(page) + csp_problems(page)
        page.screenshot(path=f"test-artifacts/a11y-{name.replace(' ', '-')}.png", full_page=True)

    # The dropdown menus (Bootstrap + Popper) and htmx still work under the policy.
    page.click("button.dropdown-toggle")
    page.wait_for_selector(".dropdown-menu.show")
    problems["after dropdown"] = csp_problems(page)

    assert {name: found for name, found in problems.items() if found} == {}
    assert not [m for m in page.console_errors if "Refused" in m]

    # The watcher does see a violation: an inline script is refused and reported.
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = 1"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in csp_problems(page))
