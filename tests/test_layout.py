"""The shape of the code: states and actions are named only in the procedures, and no product module grows
past a size a newcomer can read."""

import ast
import re
from pathlib import Path

from exemptions import procedures

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ROOT / "exemptions"
DECLARATIONS = PRODUCT / "procedures"
NAMES = set(procedures.ALL_STATES) | procedures.ALL_ACTIONS
TEMPLATE_TAG = re.compile(r"{[{%].*?[}%]}", re.S)
QUOTED = re.compile(r"""["']([a-z_]+)["']""")


def product_modules():
    for path in sorted(PRODUCT.rglob("*.py")):
        if DECLARATIONS in path.parents or "migrations" in path.parts:
            continue
        yield path


def test_the_procedures_name_states_and_actions_the_product_code_looks_for():
    assert {"draft", "approved", "submit", "confirm_approval"} <= NAMES  # the check below has something to find


def test_no_state_or_action_name_is_spelled_out_in_product_code():
    found = []
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == [], "read these from exemptions/procedures instead"


def test_no_state_or_action_name_is_spelled_out_in_template_logic():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.*")):
        for tag in TEMPLATE_TAG.findall(path.read_text()):
            found += [f"{path.relative_to(ROOT)}: {name}" for name in QUOTED.findall(tag) if name in NAMES]
    assert found == []


def test_no_product_module_is_longer_than_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in PRODUCT.rglob("*.py") if (n := len(p.read_text().splitlines())) > 500}
    assert {k: v for k, v in long.items() if "migrations" not in k} == {}
