"""Reading YAML specs with the line of every value, and checking fields with exact messages.

:func:`read_yaml` parses YAML text with PyYAML's safe loader and keeps, for every value, the
1-based line it was written on, so a validation error can say ``line 14, rules[2].team: …``.
Duplicate keys (which PyYAML silently collapses to the last one) are refused.

:class:`Field` is a typed view of one value with its path; its accessors check types and ranges
and raise :class:`~loyalloop.errors.CaseRuleError` naming the line and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from loyalloop.errors import CaseRuleError

__all__ = ["Field", "parse_duration", "read_spec", "read_yaml"]

Path_ = tuple[str | int, ...]

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*$")


def _path_text(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _lines(node: yaml.Node, path: Path_, lines: dict[Path_, int], source: str | None) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise CaseRuleError(
                    "keys must be plain words",
                    field=_path_text(path) or None,
                    line=key_node.start_mark.line + 1,
                    source=source,
                )
            key = str(key_node.value)
            if key in seen:
                raise CaseRuleError(
                    f"duplicate key {key!r}",
                    field=_path_text((*path, key)),
                    line=key_node.start_mark.line + 1,
                    source=source,
                )
            seen.add(key)
            _lines(value_node, (*path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), lines, source)


def read_yaml(text: str, *, source: str | None = None) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML ``text``; return the data and the line of every value by its path.

    Raises
    ------
    CaseRuleError
        On a syntax error (with its line), a duplicate key or a non-scalar key.
    """
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CaseRuleError(
            f"not valid YAML: {exc.problem or exc}",
            line=mark.line + 1 if mark else None,
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        raise CaseRuleError(f"not valid YAML: {exc}", source=source) from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _lines(node, (), lines, source)
    return data, lines


def read_spec(spec: Path | str | Mapping[str, Any]) -> Field:
    """A :class:`Field` for the root of a spec: a file (a :class:`~pathlib.Path`), YAML text
    (a ``str``) or an already parsed mapping."""
    if isinstance(spec, Mapping):
        return Field(dict(spec), (), {}, None)
    if isinstance(spec, Path):
        if not spec.is_file():
            raise CaseRuleError(f"file not found: {spec}")
        raw = spec.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise CaseRuleError("not UTF-8 text", line=line, source=str(spec)) from None
        data, lines = read_yaml(text, source=str(spec))
        return Field(data, (), lines, str(spec))
    if isinstance(spec, str):
        data, lines = read_yaml(spec)
        return Field(data, (), lines, None)
    raise CaseRuleError(f"a spec is a file path, YAML text or a mapping, got {type(spec).__name__}")


def parse_duration(text: str) -> float:
    """Seconds in ``"16h"``, ``"90m"``, ``"1h30m"`` or ``"0.5h"``; ``ValueError`` otherwise.

    >>> parse_duration("1h30m")
    5400.0
    """
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match or not (match.group(1) or match.group(2)):
        raise ValueError(f"{text!r} is not a duration such as '8h', '90m' or '1h30m'")
    hours = float(match.group(1) or 0)
    minutes = float(match.group(2) or 0)
    return hours * 3600.0 + minutes * 60.0


@dataclass(frozen=True)
class Field:
    """One value of a spec, with its path and the line it was written on."""

    value: Any
    path: Path_
    lines: Mapping[Path_, int]
    source: str | None

    @property
    def name(self) -> str:
        return _path_text(self.path) or "(top level)"

    @property
    def line(self) -> int | None:
        path = self.path
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    @property
    def present(self) -> bool:
        return self.value is not None

    def error(self, message: str) -> CaseRuleError:
        return CaseRuleError(
            message, field=_path_text(self.path) or None, line=self.line, source=self.source
        )

    def child(self, key: str | int, value: Any) -> Field:
        return Field(value, (*self.path, key), self.lines, self.source)

    # -- containers ---------------------------------------------------------------------------

    def mapping(self, allowed: set[str] | frozenset[str] | None = None) -> Field:
        if not isinstance(self.value, Mapping):
            raise self.error(f"must be a mapping, got {_kind(self.value)}")
        if allowed is not None:
            unknown = sorted(str(k) for k in self.value if k not in allowed)
            if unknown:
                first = self.child(unknown[0], self.value[unknown[0]])
                raise first.error(
                    f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
                )
        return self

    def get(self, key: str, default: Any = None) -> Field:
        value = self.value.get(key, default) if isinstance(self.value, Mapping) else default
        return self.child(key, value)

    def require(self, key: str) -> Field:
        if not isinstance(self.value, Mapping) or self.value.get(key) is None:
            raise self.error(f"{key!r} is required")
        return self.child(key, self.value[key])

    def items(self) -> Iterator[tuple[str, Field]]:
        self.mapping()
        for key, value in self.value.items():
            yield str(key), self.child(str(key), value)

    def list(self, *, allow_empty: bool = True) -> list[Field]:
        if self.value is None:
            items: list[Any] = []
        elif isinstance(self.value, list):
            items = self.value
        else:
            raise self.error(f"must be a list, got {_kind(self.value)}")
        if not items and not allow_empty:
            raise self.error("must not be empty")
        return [self.child(i, v) for i, v in enumerate(items)]

    # -- scalars ------------------------------------------------------------------------------

    def text(self, *, pattern: str | None = None, max_length: int = 200) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.error(f"must be non-empty text, got {_kind(self.value)}")
        value = self.value.strip()
        if len(value) > max_length:
            raise self.error(f"must be at most {max_length} characters")
        if pattern and not re.fullmatch(pattern, value):
            raise self.error(f"{value!r} must match {pattern}")
        return value

    def identifier(self) -> str:
        """A short machine name: lower-case letters, digits and underscores."""
        return self.text(pattern=r"[a-z][a-z0-9_]{0,63}")

    def number(self, low: float | None = None, high: float | None = None) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"must be a number, got {_kind(value)}")
        if value != value:  # NaN
            raise self.error("must be a number, got NaN")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(f"must be between {low} and {high}, got {value}")
        return float(value)

    def integer(self, low: int | None = None, high: int | None = None) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be a whole number, got {_kind(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise self.error(f"must be {bounds}, got {value}")
        return int(value)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"must be true or false, got {_kind(self.value)}")
        return self.value

    def duration(self) -> float:
        """Seconds of a duration written ``8h``, ``90m`` or ``1h30m`` (positive)."""
        try:
            seconds = parse_duration(self.value)
        except ValueError as exc:
            raise self.error(str(exc)) from None
        if seconds <= 0:
            raise self.error("must be longer than zero")
        return seconds

    def texts(self, *, allow_empty: bool = True) -> tuple[str, ...]:
        return tuple(f.text() for f in self.list(allow_empty=allow_empty))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
