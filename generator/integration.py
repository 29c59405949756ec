"""The vendor page's "Our BAA" section (``vendors.panels``), registered in ``ready``."""

from vendors import panels

from .models import GeneratedAgreement


@panels.register
def generator_panel(request, vendor) -> dict:
    versions = []
    if panels.has_rows(vendor, "generated_agreements"):
        versions = list(
            GeneratedAgreement.objects.for_org(request.practice)
            .filter(vendor=vendor)
            .select_related("agreement")
            .only("version", "created_at", "agreement", "agreement__status")  # what rows show
            .order_by("-version")
        )
    return {
        "template": "generator/_vendor_panel.html",
        "order": 25,
        "versions": versions,
        "can_write": request.membership.can_write,
    }


panels.lists("generated_agreements", GeneratedAgreement)
