"""The Python examples of README.md and docs/quickstart.md run as written.

Every ```python block that defines ``app`` is executed as a module of its own,
then ``GET /`` must answer 200 through the test client.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vial import Vial

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "docs/quickstart.md"]
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _defines_app(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(target, ast.Name) and target.id == "app" for target in targets):
            return True
    return False


def _examples() -> list[pytest.ParameterSet]:
    cases = []
    for document in DOCUMENTS:
        text = (ROOT / document).read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            source = match.group(1)
            if not _defines_app(source):
                continue
            line = text.count("\n", 0, match.start()) + 2
            cases.append(pytest.param(document, line, source, id=f"{document}:{line}"))
    return cases


EXAMPLES = _examples()


def test_documents_have_examples() -> None:
    found = {document for document, _, _ in (case.values for case in EXAMPLES)}
    assert found == set(DOCUMENTS)


@pytest.mark.parametrize(("document", "line", "source"), EXAMPLES)
def test_example_serves_index(document: str, line: int, source: str) -> None:
    module_name = "docs_example_" + re.sub(r"\W", "_", f"{document}_{line}")
    namespace: dict[str, object] = {"__name__": module_name}
    exec(compile(source, f"{document}:{line}", "exec"), namespace)

    app = namespace["app"]
    assert isinstance(app, Vial), f"{document}:{line}: 'app' is not a Vial app"
    response = app.test_client().get("/")
    assert response.status_code == 200, (
        f"GET / of the example at {document}:{line} answered {response.status}"
    )
