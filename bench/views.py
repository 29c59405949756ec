"""The floor every page is measured against: a minimal authenticated view that renders the
base template (navigation, practice bar, messages), through the full middleware stack."""

from django.http import HttpResponse
from django.template import engines

from oversight.tenancy import member_required

_TEMPLATE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>Floor</h1>{% endblock %}'
)


@member_required
def floor(request):
    return HttpResponse(_TEMPLATE.render({}, request))
