from exemptions import models, procedures
from exemptions.models import Role


def navigation(request):
    """Which parts of the site the signed-in user works in, read from memberships already cached per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    roles = {role for role, _, _ in models.memberships_of(user)}
    return {
        "nav": {
            "applicant": Role.APPLICANT in roles or user.is_superuser,
            "reviewer": bool(roles & procedures.AUTHORITY_ROLES) or user.is_superuser,
            "staff": Role.STAFF in roles or user.is_superuser,
        }
    }
