"""The admin's lists of what happens after approval (issue 19): shipments with their lines, approved quantities,
distributions, the monitoring plan and visits with their files, incidents. Registered when the app is ready
(apps.py), beside exemptions/admin.py."""

from django.contrib import admin

from .models import (
    ApprovedQuantity,
    Distribution,
    DistributionLine,
    Incident,
    MonitoringVisit,
    PlannedVisit,
    Shipment,
    ShipmentLine,
    VisitFile,
)


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    autocomplete_fields = ["item"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["reference", "application", "mode", "planned_departure_on", "departed_on", "delivered_on"]
    list_filter = ["mode"]
    search_fields = ["reference", "application__reference", "carrier", "vessel_name", "imo_number"]
    readonly_fields = ["reference", "created_by", "created_at"]
    filter_horizontal = ["approvals"]
    inlines = [ShipmentLineInline]
    date_hierarchy = "planned_departure_on"


@admin.register(ShipmentLine)
class ShipmentLineAdmin(admin.ModelAdmin):
    list_display = ["shipment", "item", "quantity", "received", "damaged", "lost", "expires_on", "cold_chain"]
    list_filter = ["cold_chain"]
    search_fields = ["shipment__reference", "item__description"]


@admin.register(ApprovedQuantity)
class ApprovedQuantityAdmin(admin.ModelAdmin):
    list_display = ["filing", "item", "quantity"]
    search_fields = ["filing__reference", "item__description"]


class DistributionLineInline(admin.TabularInline):
    model = DistributionLine
    extra = 0


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    list_display = ["facility", "location", "distributed_on", "shipment", "planned_total", "reached_total"]
    search_fields = ["facility", "location", "shipment__reference"]
    inlines = [DistributionLineInline]


@admin.register(DistributionLine)
class DistributionLineAdmin(admin.ModelAdmin):
    list_display = ["distribution", "item", "quantity"]


@admin.register(PlannedVisit)
class PlannedVisitAdmin(admin.ModelAdmin):
    list_display = ["facility", "visits", "monitor", "application"]
    search_fields = ["facility", "application__reference"]


@admin.register(MonitoringVisit)
class MonitoringVisitAdmin(admin.ModelAdmin):
    list_display = ["site", "visited_on", "access", "monitor", "application", "shipment"]
    list_filter = ["access"]
    search_fields = ["site", "monitor", "application__reference"]


@admin.register(VisitFile)
class VisitFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "visit", "content_type", "size", "uploaded_at"]
    readonly_fields = ["sha256", "size", "content_type", "uploaded_at"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["kind", "location", "discovered_on", "authority", "report_due_on", "reported_on", "application"]
    list_filter = ["kind", "authority"]
    search_fields = ["location", "description", "application__reference"]
    readonly_fields = ["report_due_on", "created_by", "created_at"]
