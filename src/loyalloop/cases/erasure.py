"""The erasure plan: everything that must be rewritten to forget one person.

Where personal data lives is described by a :class:`PiiRegistry` — for each warehouse table,
each run file (by name pattern) and each operational-store table: the column that identifies
the person, the columns holding PII (name, e-mail, phone …) and free text (comments, notes,
answers), and what erasure does there:

``redact``      the person's rows stay (the figures still add up) but their PII columns become
                null, their free-text columns empty, and the identifying column (if
                ``replace_key`` and it holds customer or profile ids) the erasure's tombstone
                id, so that nothing links the row to the person any more;
``delete``      the person's rows are removed (e.g. the quarantine, whose raw rows cannot be
                redacted column by column; the run's ``profile_map`` link);
``regenerate``  a file derived from the others (a run's HTML report) is rebuilt after them;
``keep``        holds no personal data (listed so it is not "unclassified").

Rows are found by key (``key`` in the person's ids — source customer ids, or the run's
pseudonymous profile ids) or, where there is no key column, by content (``contains``: a text
column containing one of the person's identifiers: customer ids, e-mail addresses, phone
numbers).

:func:`plan_erasure` is pure: given the registry, the person, and what exists (warehouse
tables, run files, store tables, staged sync files, reports), it returns an
:class:`ErasurePlan` of ordered :class:`ErasureStep` — warehouse and store first, then each
run's data files and its derived files, then the staged sync files and the reports. Anything
that exists but is not in the registry is listed in ``unclassified`` and makes the plan
incomplete (``complete`` is false): the service must refuse to report an erasure as
done while it cannot say what a table or file holds. ``search_terms`` are what a check after
the erasure must no longer find anywhere (name, e-mail, phone, the person's comments).
:meth:`ErasurePlan.audit` is the record to keep: what was touched, with no personal data.

The shipped registry (:func:`default_pii_registry`, ``cases/data/pii_registry.yaml``) covers
the canonical tables, the quarantine and ingest repairs, the run outputs, the service's staged
sync files, the reports and every table of the operational store; tests check it against
every PII column the data contracts declare and every store table
(``loyalloop.services.erasure`` applies it).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from loyalloop.cases._spec import Field, read_spec
from loyalloop.errors import ConfigError

__all__ = [
    "DataLocation",
    "ErasureAction",
    "ErasureAudit",
    "ErasurePlan",
    "ErasureStep",
    "ErasureSubject",
    "IdKind",
    "PiiRegistry",
    "RegistryEntry",
    "default_pii_registry",
    "load_pii_registry",
    "plan_erasure",
]


class DataLocation(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    RUN = "run"
    REPORT = "report"
    SYNC = "sync"  # the JSON Lines files the service stages under <home>/sync/ for ingest


class ErasureAction(StrEnum):
    REDACT = "redact"
    DELETE = "delete"
    REGENERATE = "regenerate"
    KEEP = "keep"


class IdKind(StrEnum):
    """Which of the person's ids a key column holds."""

    CUSTOMER = "customer"  # source-system customer ids
    PROFILE = "profile"  # a run's pseudonymous profile ids
    FEEDBACK = "feedback"  # the ids of the person's feedback rows
    CASE = "case"  # the ids of the person's cases (operational store)


@dataclass(frozen=True)
class RegistryEntry:
    """What one table or file (``name`` may be a pattern for run files) holds."""

    location: DataLocation
    name: str
    action: ErasureAction
    key: str | None = None
    id_kind: IdKind = IdKind.CUSTOMER
    pii: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    replace_key: bool = True

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.name)


@dataclass(frozen=True)
class PiiRegistry:
    """Every place personal data may live (see the module docstring)."""

    entries: tuple[RegistryEntry, ...]

    def find(self, location: DataLocation, name: str) -> RegistryEntry | None:
        exact = [e for e in self.entries if e.location is location and e.name == name]
        if exact:
            return exact[0]
        return next((e for e in self.entries if e.location is location and e.matches(name)), None)

    def extended(self, more: Iterable[RegistryEntry]) -> PiiRegistry:
        """This registry with ``more`` entries; a new entry replaces one of the same place."""
        new = list(more)
        keys = {(e.location, e.name) for e in new}
        return PiiRegistry(
            tuple(e for e in self.entries if (e.location, e.name) not in keys) + tuple(new)
        )


@dataclass(frozen=True)
class ErasureSubject:
    """The person to forget: every source customer id merged into them, their profile ids in
    the runs, and what must not be found anywhere afterwards."""

    customer_ids: frozenset[str]
    profile_ids: frozenset[str] = frozenset()
    feedback_ids: frozenset[str] = frozenset()
    case_ids: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.customer_ids:
            raise ConfigError("an erasure needs at least one customer id")

    def ids(self, kind: IdKind) -> frozenset[str]:
        return {
            IdKind.CUSTOMER: self.customer_ids,
            IdKind.PROFILE: self.profile_ids,
            IdKind.FEEDBACK: self.feedback_ids,
            IdKind.CASE: self.case_ids,
        }[kind]

    @property
    def content_values(self) -> frozenset[str]:
        """What a ``contains`` match looks for: the identifiers and the person's own texts."""
        return self.identifiers | {t for t in self.texts if t.strip()}

    @property
    def identifiers(self) -> frozenset[str]:
        """Values that find the person's rows in raw text (ids, e-mails, phones)."""
        return self.customer_ids | self.emails | self.phones

    @property
    def search_terms(self) -> tuple[str, ...]:
        terms = {*self.identifiers, *self.names, *(t for t in self.texts if t.strip())}
        return tuple(sorted(t for t in terms if t))


@dataclass(frozen=True)
class ErasureStep:
    """One rewrite: where, what to do, which rows and which columns."""

    location: DataLocation
    target: str  # table name, or run id + "/" + file name
    action: ErasureAction
    key: str | None = None
    ids: frozenset[str] = frozenset()
    contains: tuple[str, ...] = ()
    values: frozenset[str] = frozenset()
    null_columns: tuple[str, ...] = ()
    empty_columns: tuple[str, ...] = ()
    replace_key_with: str | None = None


@dataclass(frozen=True)
class ErasureAudit:
    """What an erasure touched, without personal data (ids, values and terms left out)."""

    erasure_id: str
    tombstone_id: str
    steps: tuple[tuple[str, str, str], ...]  # (location, target, action)
    unclassified: tuple[str, ...]
    complete: bool


@dataclass(frozen=True)
class ErasurePlan:
    erasure_id: str
    tombstone_id: str
    steps: tuple[ErasureStep, ...]
    unclassified: tuple[str, ...]
    search_terms: tuple[str, ...] = field(repr=False, default=())

    @property
    def complete(self) -> bool:
        return not self.unclassified

    def audit(self) -> ErasureAudit:
        return ErasureAudit(
            self.erasure_id,
            self.tombstone_id,
            tuple((s.location.value, s.target, s.action.value) for s in self.steps),
            self.unclassified,
            self.complete,
        )


def _step(
    entry: RegistryEntry,
    target: str,
    subject: ErasureSubject,
    tombstone: str,
) -> ErasureStep | None:
    if entry.action is ErasureAction.KEEP:
        return None
    if entry.action is ErasureAction.REGENERATE:
        return ErasureStep(entry.location, target, entry.action)
    ids = subject.ids(entry.id_kind) if entry.key else frozenset()
    if entry.key and not ids:
        return None  # the person has no ids of this kind (e.g. in no run)
    return ErasureStep(
        entry.location,
        target,
        entry.action,
        key=entry.key,
        ids=ids,
        contains=entry.contains,
        values=subject.content_values if entry.contains else frozenset(),
        null_columns=entry.pii if entry.action is ErasureAction.REDACT else (),
        empty_columns=entry.free_text if entry.action is ErasureAction.REDACT else (),
        replace_key_with=(
            tombstone
            if entry.action is ErasureAction.REDACT
            and entry.key
            and entry.replace_key
            and entry.id_kind in (IdKind.CUSTOMER, IdKind.PROFILE)
            else None
        ),
    )


def plan_erasure(
    subject: ErasureSubject,
    registry: PiiRegistry,
    *,
    warehouse_tables: Collection[str],
    store_tables: Collection[str] = (),
    run_files: Mapping[str, Collection[str]] | None = None,
    report_files: Collection[str] = (),
    sync_files: Collection[str] = (),
    erasure_id: str,
    tombstone_id: str,
) -> ErasurePlan:
    """The ordered rewrite plan for ``subject`` (see the module docstring).

    Parameters
    ----------
    warehouse_tables, store_tables
        The tables that exist.
    run_files
        Per run (its id, e.g. ``"000012"``), the names of its files.
    report_files
        The rendered reports (HTML files under the project's reports folder).
    sync_files
        The files the service staged for ingest (under the project's ``sync`` folder).
    erasure_id, tombstone_id
        The erasure's id (for the audit) and the id that replaces the person's customer id
        where rows are kept; generate the tombstone at random (it must not be derived from the
        customer id, or it could be reversed).
    """
    if not tombstone_id or tombstone_id in subject.customer_ids:
        raise ConfigError("the tombstone id must be new and not the customer's id")
    steps: list[ErasureStep] = []
    unclassified: list[str] = []

    def flat(location: DataLocation, names: Collection[str]) -> None:
        for name in sorted(names):
            entry = registry.find(location, name)
            if entry is None:
                unclassified.append(f"{location.value}:{name}")
                continue
            step = _step(entry, name, subject, tombstone_id)
            if step is not None:
                steps.append(step)

    flat(DataLocation.WAREHOUSE, warehouse_tables)
    flat(DataLocation.STORE, store_tables)
    for run in sorted(run_files or {}):
        derived: list[ErasureStep] = []
        for name in sorted(run_files[run]):  # type: ignore[index]
            entry = registry.find(DataLocation.RUN, name)
            target = f"{run}/{name}"
            if entry is None:
                unclassified.append(f"run:{target}")
                continue
            step = _step(entry, target, subject, tombstone_id)
            if step is not None:
                (derived if step.action is ErasureAction.REGENERATE else steps).append(step)
        steps.extend(derived)
    flat(DataLocation.SYNC, sync_files)
    flat(DataLocation.REPORT, report_files)
    return ErasurePlan(
        erasure_id, tombstone_id, tuple(steps), tuple(unclassified), subject.search_terms
    )


# -- the registry file ------------------------------------------------------------------------

_ENTRY_FIELDS = {"action", "key", "id_kind", "pii", "free_text", "contains", "replace_key"}


def _entry(location: DataLocation, name: str, f: Field) -> RegistryEntry:
    f.mapping(_ENTRY_FIELDS)
    action_text = f.require("action").text()
    try:
        action = ErasureAction(action_text)
    except ValueError:
        raise f.get("action").error(
            f"{action_text!r} is not one of: {', '.join(a.value for a in ErasureAction)}"
        ) from None
    key = f.get("key").text() if f.get("key").present else None
    contains = f.get("contains").texts()
    if action in (ErasureAction.REDACT, ErasureAction.DELETE) and not (key or contains):
        raise f.error("a redact or delete entry needs a key column or contains columns")
    kind_text = f.get("id_kind", "customer").text()
    try:
        kind = IdKind(kind_text)
    except ValueError:
        raise f.get("id_kind").error(
            f"{kind_text!r} is not one of: {', '.join(k.value for k in IdKind)}"
        ) from None
    return RegistryEntry(
        location,
        name,
        action,
        key=key,
        id_kind=kind,
        pii=f.get("pii").texts(),
        free_text=f.get("free_text").texts(),
        contains=contains,
        replace_key=f.get("replace_key", True).boolean(),
    )


def _parse_registry(root: Field) -> PiiRegistry:
    root.mapping({loc.value for loc in DataLocation})
    entries = []
    for loc in DataLocation:
        section = root.get(loc.value)
        if not section.present:
            continue
        for name, f in section.items():
            entries.append(_entry(loc, name, f))
    return PiiRegistry(tuple(entries))


def load_pii_registry(spec: str | Path | Mapping[str, Any]) -> PiiRegistry:
    """A registry from YAML (a :class:`~pathlib.Path` or text) or a mapping, validated with the
    line and field of any problem."""
    return _parse_registry(read_spec(Path(spec) if isinstance(spec, Path) else spec))


def default_pii_registry() -> PiiRegistry:
    """The shipped registry (``loyalloop/cases/data/pii_registry.yaml``)."""
    from importlib import resources

    text = resources.files("loyalloop.cases").joinpath("data/pii_registry.yaml").read_text("utf-8")
    return _parse_registry(read_spec(text))
