"""Show times in the signed-in user's own zone (Profile.time_zone); deadlines fall due in the authority's."""

import zoneinfo

from django.utils import timezone

from .models import Profile


class UserTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone_name = None
        if request.user.is_authenticated:
            zone_name = Profile.objects.filter(user=request.user).values_list("time_zone", flat=True).first()
        try:
            zone = zoneinfo.ZoneInfo(zone_name) if zone_name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None  # a mistyped zone in the admin must not break every page
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
