"""The hosted request form: what a visitor may send, checked again by the service."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consent.dsr.models import Jurisdiction, Right


class RequestForm(forms.Form):
    right = forms.ChoiceField(label=_("What would you like us to do?"), choices=Right.choices, widget=forms.RadioSelect)
    jurisdiction = forms.ChoiceField(label=_("Where do you live?"), choices=Jurisdiction.choices)
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    customer_id = forms.CharField(
        label=_("Your account id or customer number, if you have one"), max_length=128, required=False
    )
    details = forms.CharField(
        label=_("Anything we should know"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    agent_name = forms.CharField(label=_("Agent's name"), max_length=200, required=False)
    agent_email = forms.EmailField(label=_("Agent's e-mail address"), max_length=254, required=False)
    agent_proof = forms.FileField(
        label=_("Proof of authority (PDF, PNG or JPEG, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
