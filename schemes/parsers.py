"""Request parsers: DRF's JSON parser, refusing what the API could not answer cleanly.

DRF's ``JSONParser`` accepts three things that later turn into a 500 instead of a
400: numbers out of float range (``1e999`` parses to ``inf``, which the strict
renderer refuses to write back), lone UTF-16 surrogates (``"\\ud800"``, which no
UTF-8 response can hold) and nesting deep enough to raise ``RecursionError``
(only ``ValueError`` is caught). Found by ``tests/test_fuzz.py``.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """``JSONParser`` that answers 400 for non-finite numbers, lone surrogates and
    nesting too deep to parse, so the data a view sees can always be rendered."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        """Parse the body as DRF does, then refuse values JSON cannot carry back."""
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
        problem = find_unrenderable(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}.")
        return data


def find_unrenderable(data: Any) -> str:
    """Describe the first value JSON-over-UTF-8 cannot carry back, or return "".

    Walks with an explicit stack: the parser already bounded the depth, and a
    recursive walk would hit the same limit again.
    """
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return "number out of range"
        if isinstance(value, str) and not _utf8_encodable(value):
            return "lone surrogate in string"
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return ""


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
