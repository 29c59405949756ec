from django import forms

from oversight.choices import ReminderMode


class ReminderPreferenceForm(forms.Form):
    reminder_mode = forms.ChoiceField(
        label="How should reminders reach you?",
        choices=ReminderMode.choices,
        widget=forms.RadioSelect,
        help_text="Compliance gaps and escalations are always sent at once.",
    )
