"""What a transition asks for, checked: each payload field typed and held to its declared bounds (plausible
dates, their order, the authority's longest validity), the note required and not too long. Every face reaches
this through `engine.apply()`, so the web, the API, the admin and the commands refuse the same input."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date

from . import procedures as p
from .models import NOTE_MAX_LENGTH, Filing, ScreeningHit, assignable_reviewers


def _as_date(raw) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return parse_date(str(raw))
    except ValueError:
        return None


def check_dates(transition: p.Transition, values: dict, authority) -> dict[str, list[str]]:
    """Field errors for dates outside their declared bounds: the plausible range, their order, and the
    longest validity the authority grants. Every face reaches this through `apply()`."""
    errors: dict[str, list[str]] = {}
    for f in transition.payload:
        value = values.get(f.name)
        if f.kind != p.DATE or value is None:
            continue
        if not p.EARLIEST_DATE <= value <= p.LATEST_DATE:
            errors.setdefault(f.name, []).append(
                f"{f.label}: enter a date between {p.EARLIEST_DATE:%d %b %Y} and {p.LATEST_DATE:%d %b %Y}."
            )
            continue
        start = values.get(f.not_before) if f.not_before else None
        if start is None:
            continue
        if value < start:
            errors.setdefault(f.name, []).append("Validity must end on or after the day it starts.")
        elif f.max_months_setting:
            months = getattr(authority, f.max_months_setting)
            if value > start + relativedelta(months=months):
                errors.setdefault(f.name, []).append(
                    f"{f.label}: {authority.code} grants at most {months} months; the latest end for a start on "
                    f"{start:%d %b %Y} is {start + relativedelta(months=months):%d %b %Y}."
                )
    return errors


def check_months(transition: p.Transition, values: dict, authority) -> dict[str, list[str]]:
    """Field errors for a validity in months: at least one, at most the authority's longest, and beyond its
    default only with the written justification the declaration names. The one check of a UN validity's
    length, whatever face it came from."""
    errors: dict[str, list[str]] = {}
    for f in transition.payload:
        months = values.get(f.name)
        if f.kind != p.MONTHS or months is None:
            continue
        longest = getattr(authority, f.max_months_setting)
        if not 1 <= months <= longest:
            errors.setdefault(f.name, []).append(
                f"{f.label}: {authority.code} grants from 1 to {longest} months; {months} is not possible."
            )
            continue
        usual = getattr(authority, f.justify_above_setting) if f.justify_above_setting else longest
        if months > usual and not values.get(f.justification):
            errors.setdefault(f.justification, []).append(
                f"A validity of {months} months exceeds {authority.code}'s usual {usual}: give the written "
                "justification (e.g. transport delays)."
            )
    return errors


def _as_months(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None


def clean(transition: p.Transition, filing: Filing, note: str, payload: dict) -> dict:
    """The payload as typed values, or ValidationError with an error per field."""
    errors: dict[str, list[str]] = {}
    for name in sorted(set(payload) - {f.name for f in transition.payload}):
        errors[name] = [f"'{transition.name}' takes no field '{name}'."]
    if transition.note_required and not (note or "").strip():
        errors["note"] = [f"{transition.note_label} is required."]
    if len((note or "").strip()) > NOTE_MAX_LENGTH:
        errors["note"] = [f"{transition.note_label}: at most {NOTE_MAX_LENGTH:,} characters."]
    cleaned = {}
    for f in transition.payload:
        raw = payload.get(f.name)
        if raw in (None, ""):
            if f.required:
                errors.setdefault(f.name, []).append(f"{f.label} is required.")
            continue
        if f.kind == p.DATE:
            value = _as_date(raw)
            if value is None:
                errors.setdefault(f.name, []).append(f"{f.label}: enter a date as YYYY-MM-DD.")
            else:
                cleaned[f.name] = value
        elif f.kind == p.MONTHS:
            value = _as_months(raw)
            if value is None:
                errors.setdefault(f.name, []).append(f"{f.label}: enter a whole number of months.")
            else:
                cleaned[f.name] = value
        elif f.kind == p.REVIEWER_CHOICE:
            text = str(raw)
            lookup = {"pk": int(text)} if text.isascii() and text.isdigit() else {"username": text}
            reviewer = assignable_reviewers(filing.authority).filter(**lookup).first()
            if reviewer is None:
                errors.setdefault(f.name, []).append(f"{f.label}: choose a reviewer of {filing.authority.code}.")
            cleaned[f.name] = reviewer
        elif f.kind == p.SCREENING_HIT:
            text = str(raw)
            hit = None
            if text.isascii() and text.isdigit() and len(text) < 19:
                hit = ScreeningHit.objects.filter(filing=filing, pk=int(text)).first()
            if hit is None:
                errors.setdefault(f.name, []).append(f"{f.label}: no such hit on {filing.reference}.")
            cleaned[f.name] = hit
        elif f.kind == p.DOCUMENT:
            errors.setdefault(f.name, []).append(f"{f.label}: attach the file with the action's form.")
        elif not isinstance(raw, str) or "\x00" in raw:
            errors.setdefault(f.name, []).append(f"{f.label} must be text.")
        elif len(raw) > f.max_length:
            errors.setdefault(f.name, []).append(f"{f.label}: at most {f.max_length} characters.")
        elif f.choices and raw.strip() not in dict(f.choices):
            options = " or ".join(value for value, _ in f.choices)
            errors.setdefault(f.name, []).append(f"{f.label}: choose {options}.")
        else:
            cleaned[f.name] = raw.strip()
    if not errors:
        errors.update(check_dates(transition, cleaned, filing.authority))
        errors.update(check_months(transition, cleaned, filing.authority))
    if errors:
        raise ValidationError(errors)
    return cleaned


def for_event(cleaned: dict) -> dict:
    return {
        k: (
            v.isoformat()
            if isinstance(v, dt.date)
            else v.get_username()
            if hasattr(v, "get_username")
            else v.pk
            if isinstance(v, ScreeningHit)
            else v
        )
        for k, v in cleaned.items()
    }
