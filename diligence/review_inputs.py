"""What higher apps know about a vendor that its next periodic review must read, without
``diligence`` importing them (imports flow one way; ``incidents`` registers here).

A provider is ``provider(vendor) -> Iterable[ReviewInput]`` and runs a constant number of
queries. Registered in ``AppConfig.ready``. Two uses of one list:

- the review form and the vendor page list the inputs since the last review as findings;
- ``services.schedule_refresh`` brings the next review forward to the earliest ``review_by``
  of those inputs (``schedule.next_review_due``): e.g. a breach (``incidents.clocks``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReviewInput:
    on: date  # the day it happened; a review recorded after that day has read it
    text: str  # vendor names, dates and cites only: no PHI
    url: str = ""
    review_by: date | None = None  # the next review is proposed by this day


Provider = Callable[[object], Iterable[ReviewInput]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def since(vendor, last_review_on: date | None) -> list[ReviewInput]:
    """The inputs about ``vendor`` after its last review (all of them when never reviewed),
    oldest first."""
    found = [i for provider in _providers for i in provider(vendor)]
    if last_review_on is not None:
        found = [i for i in found if i.on > last_review_on]
    return sorted(found, key=lambda i: (i.on, i.text))


def review_requested_by(inputs: Iterable[ReviewInput]) -> date | None:
    """The earliest day any input asks the next review by."""
    return min((i.review_by for i in inputs if i.review_by is not None), default=None)
