"""Processing-time evidence (issue 21): how long each authority takes from filing to decision, net of the time a
case waited on the applicant and, separately, of the time a Member State held it; holds; outcomes and the
categories of their reasons; approvals that lapsed before any shipment and the time from approval to shipping.

- cases.py reads the filings into `Case`s (three bounded queries) and knows the clocks;
- stats.py does the arithmetic (median, nearest-rank percentile, `figures()`);
- reasons.py is the declared table that sorts refusal reasons into categories;
- tables.py builds every page's tables, the one suppression rule of the public face, and their CSV;
- charts.py draws them as inline SVG.

The staff page shows its authority's figures, an organization its own, and the public statistics page every
authority's, with nothing that names a case or an organization and no figure resting on fewer than
PUBLIC_MINIMUM cases.
"""

from .cases import Case, load_cases
from .charts import bar_chart, table_chart
from .reasons import REASON_CATEGORIES, categorize
from .stats import PUBLIC_MINIMUM, Figures, figures, figures_of, percentile
from .tables import SUPPRESSED_TEXT, Cell, Table, build_tables, publishable, to_csv

__all__ = [
    "Case",
    "Cell",
    "Figures",
    "PUBLIC_MINIMUM",
    "REASON_CATEGORIES",
    "SUPPRESSED_TEXT",
    "Table",
    "bar_chart",
    "build_tables",
    "categorize",
    "figures",
    "figures_of",
    "load_cases",
    "percentile",
    "publishable",
    "table_chart",
    "to_csv",
]
