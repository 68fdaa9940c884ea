"""The "Email settings" page: a user's time zone and the non-essential emails they want.

Deadline reminders about the user's own action are not listed here: they cannot be turned off."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from exemptions import deadlines
from exemptions.models import Profile


class EmailPreferencesForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["time_zone", "wants_event_emails", "wants_digest"]
        labels = {
            "time_zone": "Time zone for deadlines in emails",
            "wants_event_emails": "Email me when something happens on a case I follow",
            "wants_digest": "Send me the daily digest of overdue and due-this-week work (authority staff)",
        }
        help_texts = {"time_zone": "An IANA name such as Europe/Zurich, America/New_York or Asia/Seoul."}

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        try:
            deadlines.zone(name)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return name


@login_required
def email_preferences(request):
    profile, _ = Profile.objects.get_or_create(user=request.user)
    form = EmailPreferencesForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email settings are saved.")
        return redirect("email_preferences")
    return render(request, "exemptions/email_preferences.html", {"form": form})
