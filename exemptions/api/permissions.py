"""Who may write what. Reading is decided by the QuerySets (`visible_to`): what a caller may not see is 404."""

from rest_framework import permissions

from exemptions.models import organization_ids


def is_applicant_of(user, organization_id) -> bool:
    return user.is_superuser or organization_id in organization_ids(user)


class IsApplicantToCreate(permissions.BasePermission):
    """Only members of an aid organization (or an admin) create dossiers."""

    message = "Only members of an aid organization may create applications."

    def has_permission(self, request, view):
        # Only the collection's POST: a POST on one dossier first finds it (404 when invisible), then asks
        # IsApplicantOfDossier, so the answer never depends on whether an unseen case exists.
        if request.method != "POST" or getattr(view, "action", None) != "create":
            return True
        user = request.user
        return user.is_superuser or bool(organization_ids(user))


class IsApplicantOfDossier(permissions.BasePermission):
    """Reviewers may read a dossier filed with them; only its organization changes it."""

    message = "Only members of the applicant organization may change this application."

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_applicant_of(request.user, obj.organization_id)
