"""What every page of the web UI starts from: the dossiers and filings a user may open (anything else is a 404,
never a 403, so nobody learns that a case exists), a page of a list, and a safe place to go next."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from exemptions import lifecycle, services
from exemptions.models import BENEFICIARY_CATEGORIES, Application, Authority, Filing, organization_ids
from exemptions.pagination import PAGE_SIZE


def own_applications(user):
    """Dossiers of the user's organizations. Reviewers see a dossier only as filed (the filing's snapshot)."""
    if user.is_superuser:
        return Application.objects.all()
    return Application.objects.filter(organization_id__in=organization_ids(user))


def own_application_or_404(user, reference) -> Application:
    return get_object_or_404(own_applications(user).select_related("organization"), reference=reference)


def visible_filing_or_404(user, reference) -> Filing:
    return get_object_or_404(Filing.objects.visible_to(user).with_related(), reference=reference)


def page_of(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def fileable_authorities(application):
    """Authorities the dossier may be filed with now: none it holds a pending request or an approval with."""
    blocked = [f.authority_id for f in application.filings.all() if services.blocks_new_request(f)]
    return Authority.objects.exclude(pk__in=blocked)


def refileable(application) -> list:
    """The filings after which the applicant may file a new request with the same authority: the latest one per
    authority, once decided against, returned, withdrawn or lapsed, while nothing else is open there."""
    filings = list(application.filings.all())
    latest = {f.authority_id: f for f in sorted(filings, key=lambda f: f.pk)}
    blocked = {f.authority_id for f in filings if services.blocks_new_request(f)}
    return [f for f in latest.values() if f.authority_id not in blocked and lifecycle.may_file_again(f)]


def beneficiary_rows(application) -> list[tuple[str, int]]:
    """(category label, count) of a dossier's beneficiaries, as the dossier pages list them."""
    return [(BENEFICIARY_CATEGORIES[k], n) for k, n in (application.beneficiaries or {}).items()]
