"""The list pages' filter bars without a template render per widget and per option.

Django's ``Select`` widget renders a template per ``<option>`` (and ``CheckboxSelectMultiple``
one per box): the vendor list's filter bar has about 60 of them on every page, a third of the
page's rendering. ``select`` writes the same ``<select>`` in one pass, ``input`` the same
``<input>`` as a text, search or number widget (the agreement list's filter bar)."""

from django import template
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")
NOT_SELECTED = ""


def _choices(field):
    """The field's choices; a model choice field's read with one plain query (its iterator
    opens a server-side cursor: DECLARE, FETCH and CLOSE, three round trips)."""
    choices = field.choices
    if not isinstance(choices, ModelChoiceIterator):
        return choices
    rows = [choices.choice(obj) for obj in field.queryset]
    return ([("", field.empty_label)] if field.empty_label is not None else []) + rows


def _attrs(attrs: dict):
    """As ``django/forms/widgets/attrs.html``: ``True`` is a bare attribute, ``False`` none."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


@register.simple_tag
def select(bound_field):
    """``bound_field`` as ``Select`` writes it: its name, the widget's attributes and the
    bound field's (``aria-invalid`` on an error), its id, the field's choices, the bound value
    selected (``Select.format_value``: no value is the empty choice)."""
    widget = bound_field.field.widget
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    value = bound_field.value()
    values = value if isinstance(value, list | tuple) else [value]
    chosen = {"" if v is None else str(v) for v in values}
    options = format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        (
            (str(v), SELECTED if str(v) in chosen else NOT_SELECTED, label)
            for v, label in _choices(bound_field.field)
        ),
    )
    return format_html(
        '<select name="{}"{}>\n{}\n</select>',
        bound_field.html_name,
        _attrs({**widget.attrs, **attrs}),
        options,
    )


@register.simple_tag
def input(bound_field):  # noqa: A001 (the widget it writes)
    """``bound_field`` as an ``Input`` widget writes it (``django/forms/widgets/input.html``):
    its type and name, the formatted value if any, the widget's and the bound field's
    attributes, its id."""
    widget = bound_field.field.widget
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    value = widget.format_value(bound_field.value())
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget.input_type,
        bound_field.html_name,
        NOT_SELECTED if value is None else format_html(' value="{}"', value),
        _attrs({**widget.attrs, **attrs}),
    )
