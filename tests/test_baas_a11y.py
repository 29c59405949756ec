"""The BAA pages in a real browser: no serious or critical axe violation, no CSP violation
(axe-core vendored in tests/assets, as tests/test_a11y.py does for the other pages)."""

from pathlib import Path

import pytest
from django.core.management import call_command

from baas.models import AgreementDocument, BusinessAssociateAgreement
from oversight.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_FILE = Path(__file__).parent / "assets" / "axe.min.js"
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def problems(page) -> list[str]:
    page.evaluate(AXE_FILE.read_text() + "\n;undefined")
    found = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          return r.violations.filter(v => ["serious", "critical"].includes(v.impact))
            .map(v => `${v.impact}: ${v.id} at ` +
                      v.nodes.slice(0, 3).map(n => n.target.join(" ")));
        }"""
    )
    return found + page.evaluate("() => window.__cspViolations || []")


@pytest.mark.skipif(not AXE_FILE.exists(), reason="axe-core is not vendored")
def test_baa_pages_are_accessible_under_the_csp(page, live_server):
    call_command("seed_demo")
    page.add_init_script(WATCH_CSP)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "manager@riverside.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    agreement = BusinessAssociateAgreement.objects.get(
        vendor__name="ClaimPath Billing", organization__name__startswith="Riverside"
    )
    draft = BusinessAssociateAgreement.objects.get(
        vendor__name="ScribeRight Transcription", organization__name__startswith="Riverside"
    )
    paths = {
        "sign": f"/agreements/{draft.pk}/sign/",
        "agreement list": "/agreements/",
        "agreement detail": f"/agreements/{agreement.pk}/",
        "agreement form": f"/agreements/{agreement.pk}/edit/",
        "new agreement": "/agreements/new/",
        "terminate": f"/agreements/{agreement.pk}/terminate/",
        "amendment": f"/agreements/{agreement.pk}/amendments/new/",
        "upload": f"/agreements/{agreement.pk}/documents/new/",
        "vendor list with BAA status": "/vendors/?sort=baa",
        "vendor page with BAA panel": f"/vendors/{agreement.vendor_id}/",
    }
    found = {}
    for name, path in paths.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found[name] = problems(page)
    assert {name: p for name, p in found.items() if p} == {}
    assert AgreementDocument.objects.filter(agreement=agreement).exists()
