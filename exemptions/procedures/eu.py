"""An EU Member State's competent authority: the generic licence review, filed only after the 1718 Committee has
approved the same dossier (Council Regulation (EU) 2017/1509 lets the authority grant its authorisation once the
Committee has approved; DOMAIN.md)."""

from .core import CORE_STATES, GENERIC
from .declarations import Procedure
from .un1718 import UN1718
from .vocabulary import LICENCE_ELEMENTS

EU = Procedure(
    key="eu",
    name="EU competent authority authorisation",
    states=CORE_STATES,
    transitions=GENERIC.transitions,
    required_elements=LICENCE_ELEMENTS,
    requires_approval_from=(UN1718.key,),
    requirement_basis="Council Regulation (EU) 2017/1509: the competent authority authorises only once the UN 1718 "
    "Committee has approved",
)
