"""The "Email settings" page: a user's time zone and the non-essential emails they want.

Deadline reminders about the user's own action are not listed here: they cannot be turned off."""

from functools import lru_cache
from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from exemptions import deadlines
from exemptions.models import Profile, Role, memberships_of

# Cities people name that the IANA database files under another city of the same zone.
CITY_ZONES = {
    "Geneva": "Europe/Zurich",
    "Bern": "Europe/Zurich",
    "The Hague": "Europe/Amsterdam",
    "Washington": "America/New_York",
    "Beijing": "Asia/Shanghai",
    "New Delhi": "Asia/Kolkata",
    "Delhi": "Asia/Kolkata",
    "Mumbai": "Asia/Kolkata",
    "Ottawa": "America/Toronto",
    "Canberra": "Australia/Sydney",
}
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def _city(zone_name: str) -> str:
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    return frozenset(z for z in available_timezones() if z == "UTC" or z.split("/", 1)[0] in REGIONS)


@lru_cache(maxsize=1)
def zone_choices() -> list[tuple[str, str]]:
    """Every zone as "City (Region/City)", and the cities above under their zone, sorted by city: a picker in
    which typing the first letters of a city finds it."""
    choices = [(z, f"{_city(z)} ({z})") for z in zone_names() if z != "UTC"]
    choices += [(zone, f"{city} ({zone})") for city, zone in CITY_ZONES.items() if zone in zone_names()]
    return [("UTC", "UTC (Coordinated Universal Time)"), *sorted(choices, key=lambda c: c[1].casefold())]


def resolve_zone(text: str) -> str:
    """The IANA zone for what a person chose or typed: a zone name, or a city such as "Geneva" or "new york"."""
    text = " ".join((text or "").split())
    if text in zone_names():
        return text
    wanted = text.casefold().replace("_", " ")
    by_city = {city.casefold(): zone for city, zone in CITY_ZONES.items()}
    by_city.update({_city(z).casefold(): z for z in zone_names()})
    by_name = {z.casefold(): z for z in zone_names()}
    found = by_city.get(wanted) or by_name.get(wanted.replace(" ", "_"))
    if found is None:
        raise forms.ValidationError(
            f"Unknown time zone “{text}”: choose your city, or one in the same zone, from the list."
        )
    deadlines.zone(found)
    return found


def gets_digest(user) -> bool:
    """The daily digest goes to authority staff (exemptions/notifications.py claim_digests)."""
    return any(role == Role.STAFF for role, _, _ in memberships_of(user))


class EmailPreferencesForm(forms.ModelForm):
    time_zone = forms.CharField(
        label="Your time zone",
        help_text="Dates and times in your emails and on these pages. Choose your city, e.g. Geneva, or the one "
        "nearest to you in the same zone.",
        widget=forms.Select(),
    )

    class Meta:
        model = Profile
        fields = ["time_zone", "wants_event_emails", "wants_digest"]
        labels = {
            "wants_event_emails": "Email me when something happens on a case I follow",
            "wants_digest": "Send me the daily digest of overdue and due-this-week work",
        }
        help_texts = {
            "wants_event_emails": "A decision, a question for you, a reply or a new message.",
            "wants_digest": "One email each morning per authority, only on days with work due.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.choices = zone_choices()
        if not gets_digest(user):
            del self.fields["wants_digest"]

    def clean_time_zone(self):
        return resolve_zone(self.cleaned_data["time_zone"])


@login_required
def email_preferences(request):
    profile, _ = Profile.objects.get_or_create(user=request.user)
    form = EmailPreferencesForm(request.POST or None, instance=profile, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email settings are saved.")
        return redirect("email_preferences")
    return render(request, "exemptions/email_preferences.html", {"form": form})
