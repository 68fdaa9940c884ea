"""The REST API under /api/v1/ (DESIGN.md section 6): thin views over models' QuerySets, services and workflow."""
