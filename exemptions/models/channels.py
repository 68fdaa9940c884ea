"""How a request may reach an authority that takes requests through forwarding bodies (the UN 1718 Committee):
IAN 7 lets UN agencies, the ICRC and IFRC, Member States, organizations with two or more exemptions in the
preceding 18 months, and urgent requests come directly; everyone else goes through a Member State, else the
UN Resident Coordinator, else the Committee Secretary. One rule for every face: services check it when a
filing is created, the engine again when it is filed."""

import datetime as dt

from dateutil.relativedelta import relativedelta

from .filings import Filing
from .people import Organization

DIRECT_KINDS = frozenset({Organization.Kind.UN_AGENCY, Organization.Kind.RED_CROSS, Organization.Kind.GOVERNMENT})
RECENT_APPROVALS_FOR_DIRECT = 2
RECENT_MONTHS = 18


def recent_approvals(organization, authority, now: dt.datetime) -> int:
    """Approvals the authority granted the organization in the preceding 18 months (refusals set no validity)."""
    return Filing.objects.filter(
        application__organization=organization,
        authority=authority,
        valid_from_on__isnull=False,
        decided_at__gte=now - relativedelta(months=RECENT_MONTHS),
    ).count()


def may_file_directly(organization, authority, now: dt.datetime) -> bool:
    """Eligible for direct submission by what the organization is or by its recent approvals (urgency aside)."""
    if organization.kind in DIRECT_KINDS:
        return True
    return recent_approvals(organization, authority, now) >= RECENT_APPROVALS_FOR_DIRECT


def channel_errors(filing: Filing, now: dt.datetime) -> dict[str, list[str]]:
    """Field errors of a filing's channel, legal basis and urgency; empty when it may be filed as it stands."""
    errors: dict[str, list[str]] = {}
    channel, detail = filing.submission_channel, (filing.channel_detail or "").strip()
    if filing.urgent and not (filing.urgent_reason or "").strip():
        errors["urgent_reason"] = ["Say why the request is urgent."]
    if not filing.procedure.takes_forwarded_requests:
        if channel != Filing.Channel.DIRECT:
            errors["submission_channel"] = [f"{filing.authority.code} takes requests directly only."]
        return errors
    if channel == Filing.Channel.MEMBER_STATE and not detail:
        errors["channel_detail"] = ["Name the Member State that will forward the request."]
    if channel == Filing.Channel.DIRECT and not filing.urgent:
        organization = filing.application.organization
        if not may_file_directly(organization, filing.authority, now):
            errors["submission_channel"] = [
                f"{organization.name} may not file directly with {filing.authority.code}: direct submission is for "
                f"UN agencies, the ICRC and IFRC, Member States, organizations with {RECENT_APPROVALS_FOR_DIRECT} or "
                f"more approvals in the preceding {RECENT_MONTHS} months, and urgent requests. Choose a Member "
                "State, the UN Resident Coordinator or the Committee Secretary, or mark the request urgent."
            ]
    return errors


def linked_filing_errors(filing: Filing) -> dict[str, list[str]]:
    """An extension or amendment follows an approval of the same dossier and authority, and says what it asks."""
    errors: dict[str, list[str]] = {}
    earlier = filing.follows
    if bool(earlier) != bool(filing.link):
        return {"follows": ["A linked request names both the filing it follows and why (extension, amendment, …)."]}
    if earlier is None:
        return errors
    if earlier.application_id != filing.application_id or earlier.authority_id != filing.authority_id:
        errors["follows"] = ["A linked request follows a filing of the same dossier with the same authority."]
    elif filing.link in (Filing.Link.EXTENSION, Filing.Link.AMENDMENT) and not (
        earlier.valid_from_on and (earlier.state.grants_validity or earlier.state.lapsed)
    ):
        errors["follows"] = [f"{earlier.reference} is not an approval; only an approval can be extended or amended."]
    if filing.link in (Filing.Link.EXTENSION, Filing.Link.AMENDMENT) and not (filing.linked_request or "").strip():
        errors["linked_request"] = ["Say what the extension or amendment asks for, and why."]
    return errors
