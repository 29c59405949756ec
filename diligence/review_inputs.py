"""What higher apps know about a vendor that its next periodic review must read, without
``diligence`` importing them (imports flow one way; ``incidents`` registers here).

A provider answers for many vendors of one practice at once:
``provider(organization, vendors) -> {vendor_id: Iterable[ReviewInput]}`` (the vendor
objects of that practice; vendors with nothing may be left out), in a number of queries that
does not grow with the vendors.
Registered in ``AppConfig.ready``. Two uses of one list:

- the review form and the vendor page list the inputs since the last review as findings
  (``since``: the one-vendor case of ``since_many``);
- ``services.schedules_refresh`` (and ``schedule_refresh``, its one-vendor case) brings the
  next review forward to the earliest ``review_by`` of those inputs
  (``schedule.next_review_due``): e.g. a breach (``incidents.clocks``).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReviewInput:
    on: date  # the day it happened; a review recorded after that day has read it
    text: str  # vendor names, dates and cites only: no PHI
    url: str = ""
    review_by: date | None = None  # the next review is proposed by this day


Provider = Callable[[object, Sequence], Mapping[int, Iterable[ReviewInput]]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def since_many(vendors, last_review_on_by_id: Mapping[int, date | None]) -> dict:
    """``{vendor_id: [ReviewInput]}``: the inputs about each vendor after its last review
    (``last_review_on_by_id``; all of them when never reviewed), oldest first. The vendors'
    ``organization`` is read (select it with them); each provider is asked once a practice."""
    found: dict[int, list[ReviewInput]] = {v.pk: [] for v in vendors}
    practices: dict[int, tuple] = {}
    for vendor in vendors:
        organization, of_practice = practices.setdefault(
            vendor.organization_id, (vendor.organization, [])
        )
        of_practice.append(vendor)
    for organization, of_practice in practices.values():
        for provider in _providers:
            for vendor_id, inputs in provider(organization, of_practice).items():
                found[vendor_id].extend(inputs)
    for vendor_id, inputs in found.items():
        last = last_review_on_by_id.get(vendor_id)
        if last is not None:
            inputs = [i for i in inputs if i.on > last]
        found[vendor_id] = sorted(inputs, key=lambda i: (i.on, i.text))
    return found


def since(vendor, last_review_on: date | None) -> list[ReviewInput]:
    """The inputs about ``vendor`` after its last review (all of them when never reviewed),
    oldest first: ``since_many`` for one vendor."""
    return since_many([vendor], {vendor.pk: last_review_on})[vendor.pk]


def review_requested_by(inputs: Iterable[ReviewInput]) -> date | None:
    """The earliest day any input asks the next review by."""
    return min((i.review_by for i in inputs if i.review_by is not None), default=None)
