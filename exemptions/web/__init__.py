"""The web UI (server-rendered, htmx): thin views over models' QuerySets, services and workflow, one module per
part of the site. A case the user may not see is a 404, never a 403, so nobody learns that it exists."""
