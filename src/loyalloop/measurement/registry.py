"""The model registry: which targeting models exist, what they were trained on, how good they
are, and which one is the champion.

Files under a directory (by default ``<home>/models/targeting``)::

    registry.json                 the manifest: every entry, newest last
    <model_id>/<action>.json      one effect model file per action (its ``save``)

An entry records the model id, when it was made, the campaigns whose assignments and outcomes
trained it, the run whose features it saw, the rows per action, its held-out Qini per action
(with the bootstrap interval, and the best baseline's on the same rows), its status
(``champion``, ``challenger`` or ``retired``) and each file's SHA-256, so a changed file is
refused when loaded. The manifest is replaced atomically (write to a temporary file, rename).

Status changes are explicit (:meth:`ModelRegistry.set_status`) and follow the learning loop's
rule (:mod:`loyalloop.measurement.learning`): at most one champion and one challenger.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from loyalloop.core.export import write_text_atomic
from loyalloop.errors import ModelError, NotFoundError

__all__ = [
    "REGISTRY_FORMAT",
    "REGISTRY_FORMAT_VERSION",
    "ActionQini",
    "ModelRegistry",
    "ModelStatus",
    "RegistryEntry",
    "registry_dir",
]

REGISTRY_FORMAT = "loyalloop-model-registry"
REGISTRY_FORMAT_VERSION = 1
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ModelStatus(StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    RETIRED = "retired"


def registry_dir(home: Path | str) -> Path:
    """The registry directory of a project home."""
    return Path(home) / "models" / "targeting"


@dataclass(frozen=True)
class ActionQini:
    """Held-out Qini area of one action's model and of the best baseline on the same rows."""

    action: str
    rows: int
    treated: int
    learner: str
    qini: float
    qini_low: float
    qini_high: float
    baseline: str
    baseline_qini: float


@dataclass(frozen=True)
class RegistryEntry:
    """One registered model (module docstring)."""

    model_id: str
    created_at: str
    status: ModelStatus
    outcome: str
    actions: tuple[str, ...]
    trained_on: tuple[str, ...]
    run: int | None
    qini: tuple[ActionQini, ...]
    files: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RegistryEntry:
        return cls(
            model_id=str(d["model_id"]),
            created_at=str(d["created_at"]),
            status=ModelStatus(d["status"]),
            outcome=str(d["outcome"]),
            actions=tuple(d["actions"]),
            trained_on=tuple(d["trained_on"]),
            run=d.get("run"),
            qini=tuple(ActionQini(**q) for q in d.get("qini", ())),
            files=dict(d.get("files", {})),
            sha256=dict(d.get("sha256", {})),
            notes=tuple(d.get("notes", ())),
        )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ModelRegistry:
    """The registry in ``root`` (created on first write)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.manifest = self.root / "registry.json"

    # ------------------------------------------------------------------ reading
    def entries(self) -> tuple[RegistryEntry, ...]:
        """Every entry, oldest first (none when the registry does not exist yet)."""
        if not self.manifest.exists():
            return ()
        try:
            data = json.loads(self.manifest.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"model registry {self.manifest} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != REGISTRY_FORMAT:
            raise ModelError(f"{self.manifest} is not a Loyalloop model registry")
        if data.get("format_version") != REGISTRY_FORMAT_VERSION:
            raise ModelError(
                f"{self.manifest} has registry format version {data.get('format_version')}; "
                f"this Loyalloop reads version {REGISTRY_FORMAT_VERSION}"
            )
        try:
            return tuple(RegistryEntry.from_dict(e) for e in data.get("entries", []))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model registry {self.manifest} has a damaged entry: {exc}") from None

    def get(self, model_id: str) -> RegistryEntry:
        for e in self.entries():
            if e.model_id == model_id:
                return e
        raise NotFoundError(f"no model {model_id!r} in the registry {self.manifest}")

    def with_status(self, status: ModelStatus) -> RegistryEntry | None:
        """The newest entry with ``status`` (``None`` if none)."""
        found = [e for e in self.entries() if e.status is status]
        return found[-1] if found else None

    def load(self, model_id: str) -> dict[str, Any]:
        """The effect models of an entry by action (files checked against their SHA-256)."""
        from loyalloop.measurement.effects import load_effect_model

        entry = self.get(model_id)
        out: dict[str, Any] = {}
        for action, rel in entry.files.items():
            path = self.root / rel
            if not path.exists():
                raise ModelError(f"model file {path} of {model_id} is missing")
            if _sha(path) != entry.sha256.get(action):
                raise ModelError(
                    f"model file {path} of {model_id} was changed after it was registered "
                    "(SHA-256 differs); retrain or restore it"
                )
            out[action] = load_effect_model(path)
        return out

    # ------------------------------------------------------------------ writing
    def _write(self, entries: Sequence[RegistryEntry]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "format": REGISTRY_FORMAT,
            "format_version": REGISTRY_FORMAT_VERSION,
            "entries": [e.to_dict() for e in entries],
        }
        write_text_atomic(self.manifest, json.dumps(data, ensure_ascii=False, indent=2))

    def register(
        self,
        model_id: str,
        models: Mapping[str, Any],
        *,
        outcome: str,
        trained_on: Sequence[str],
        qini: Sequence[ActionQini],
        run: int | None = None,
        status: ModelStatus = ModelStatus.CHALLENGER,
        notes: Sequence[str] = (),
    ) -> RegistryEntry:
        """Save ``models`` (action → a fitted effect model with ``save``) and add
        an entry; a model id is used once."""
        if not _ID.match(model_id):
            raise ModelError(f"model id {model_id!r}: letters, digits, '_', '-', '.' only")
        entries = list(self.entries())
        if any(e.model_id == model_id for e in entries):
            raise ModelError(f"model id {model_id!r} is already registered")
        files, shas = {}, {}
        for action, model in models.items():
            rel = f"{model_id}/{action}.json"
            path = model.save(self.root / rel)
            files[action], shas[action] = rel, _sha(path)
        entry = RegistryEntry(
            model_id=model_id,
            created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            status=ModelStatus.RETIRED,
            outcome=outcome,
            actions=tuple(models),
            trained_on=tuple(trained_on),
            run=run,
            qini=tuple(qini),
            files=files,
            sha256=shas,
            notes=tuple(notes),
        )
        self._write([*entries, entry])
        return self.set_status(model_id, status)

    def set_status(self, model_id: str, status: ModelStatus) -> RegistryEntry:
        """Give ``model_id`` a status; a previous holder of champion or challenger is retired."""
        entries = list(self.entries())
        if not any(e.model_id == model_id for e in entries):
            raise NotFoundError(f"no model {model_id!r} in the registry {self.manifest}")
        out = []
        for e in entries:
            if e.model_id == model_id:
                e = replace(e, status=status)
            elif status is not ModelStatus.RETIRED and e.status is status:
                e = replace(e, status=ModelStatus.RETIRED)
            out.append(e)
        self._write(out)
        return self.get(model_id)
