"""Canonical data contracts (DESIGN.md, "Canonical data").

Each canonical table is a :class:`Contract`: typed columns, which are required, which hold
personal data (PII), the key that identifies a row, and the tables its ids refer to. Ingest
validates every file against its contract; analytics read only these columns.

Types are logical: ``string``, ``int``, ``float``, ``bool``, ``date``, ``timestamp``. Timestamps
are stored without a time zone, in the project's business time zone (``LOYALLOOP_TIMEZONE``,
default ``UTC``); input values carrying an explicit offset (``+08:00``, ``Z``) are converted to
that zone on ingest.

Columns marked ``derived`` are computed by ingest, never read from the file. Identifier
columns (``identifier``) are normalised on ingest (Unicode NFKC, zero-width characters removed)
and checked for look-alike characters; ``money`` columns must lie within ±:data:`MAX_MONEY`.
A column marked ``derive_if_missing`` (``transactions.transaction_id``) may be left out: ingest
then derives a stable id from the row's content (see :mod:`loyalloop.data.ingest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loyalloop.errors import ConfigError

__all__ = [
    "CONTRACTS",
    "FEEDBACK_CHANNELS",
    "KANO_SCALE",
    "MAX_MONEY",
    "SCORE_RANGES",
    "TIMESTAMP_RANGE",
    "Column",
    "Contract",
    "LogicalType",
    "contract",
    "contracts_markdown",
]

LogicalType = Literal["string", "int", "float", "bool", "date", "timestamp"]

#: The five-point KANO answer scale (loyalloop.feedback.kano.KANO_ANSWERS).
KANO_SCALE = ("like", "must-be", "neutral", "live-with", "dislike")
#: Where a feedback row came from. ``review`` is a review of the company (a review site, a
#: marketplace listing); ``app_review`` is a review of the company's app in an app store or app
#: marketplace (Apple App Store, Google Play, Huawei AppGallery …): the reading takes such a
#: review's judgements that name no aspect as judgements of the app
#: (:mod:`loyalloop.feedback.channel_aspects`).
FEEDBACK_CHANNELS = ("survey", "review", "app_review", "social", "call", "chat", "email")
#: Allowed score range per feedback score type (inclusive).
SCORE_RANGES: dict[str, tuple[float, float]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "rating": (1, 5),
}


#: Money beyond this magnitude is not a plausible amount (a digit string longer than a double,
#: ``1e308``): such values are refused rather than loaded (they would make totals infinite).
MAX_MONEY = 1e12
#: Dates and times outside this range cannot be represented by the analytics (nanosecond
#: timestamps hold 1677-09-21 to 2262-04-11); values outside it, such as the ``9999-12-31``
#: "no end" placeholder, are set to missing in optional fields and refused in required ones.
TIMESTAMP_RANGE = ("1678-01-01", "2262-01-01")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    type: LogicalType
    required: bool = False
    pii: bool = False
    derived: bool = False
    allowed: tuple[str, ...] | None = None
    description: str = ""
    identifier: bool = False
    money: bool = False
    derive_if_missing: bool = False


@dataclass(frozen=True)
class Contract:
    """The contract of one canonical table."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def input_columns(self) -> list[Column]:
        """Columns read from input files (everything not derived)."""
        return [c for c in self.columns if not c.derived]

    @property
    def pii_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii]

    @property
    def identifier_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.identifier]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise ConfigError(f"table {self.name} has no column {name!r}")


def _c(name: str, type_: LogicalType, **kw: object) -> Column:
    return Column(name, type_, **kw)  # type: ignore[arg-type]


CONTRACTS: dict[str, Contract] = {
    c.name: c
    for c in (
        Contract(
            "customers",
            (
                _c("customer_id", "string", required=True, identifier=True),
                _c("created_at", "timestamp", description="when the customer relationship began"),
                _c("name", "string", pii=True),
                _c("email", "string", pii=True),
                _c("phone", "string", pii=True),
                _c("birth_date", "date", pii=True),
                _c("gender", "string"),
                _c("city", "string"),
                _c("address", "string", pii=True, description="street address, as written"),
                _c("segment", "string", description="the business's own customer segment"),
                _c("consent_email", "bool", description="may we e-mail? empty = unknown"),
                _c("consent_sms", "bool"),
                _c("consent_phone", "bool"),
                _c("email_normalized", "string", pii=True, derived=True),
                _c("phone_e164", "string", pii=True, derived=True),
            ),
            key=("customer_id",),
            description="One row per customer record as the source system knows it.",
        ),
        Contract(
            "transactions",
            (
                _c(
                    "transaction_id",
                    "string",
                    identifier=True,
                    derive_if_missing=True,
                    description="derived from the row's content when the file has none",
                ),
                _c("customer_id", "string", required=True, identifier=True),
                _c("timestamp", "timestamp", required=True),
                _c("amount", "float", required=True, money=True, description="negative = refund"),
                _c("currency", "string"),
                _c("channel", "string"),
                _c("category", "string"),
                _c(
                    "kind",
                    "string",
                    derived=True,
                    allowed=("purchase", "refund", "zero"),
                    description="purchase (amount > 0), refund (< 0) or zero (= 0)",
                ),
            ),
            key=("transaction_id",),
            references={"customer_id": "customers"},
            description="Purchases and refunds.",
        ),
        Contract(
            "accounts",
            (
                _c("account_id", "string", required=True, identifier=True),
                _c("customer_id", "string", required=True, identifier=True),
                _c("product", "string"),
                _c("opened_at", "timestamp", required=True),
                _c("closed_at", "timestamp", description="empty while the account is open"),
                _c("credit_limit", "float", money=True),
            ),
            key=("account_id",),
            references={"customer_id": "customers"},
            description="Contractual products such as credit cards.",
        ),
        Contract(
            "feedback",
            (
                _c("feedback_id", "string", required=True, identifier=True),
                _c(
                    "customer_id",
                    "string",
                    identifier=True,
                    description="may be unknown (reviews, social)",
                ),
                _c("timestamp", "timestamp", required=True),
                _c(
                    "channel",
                    "string",
                    required=True,
                    allowed=FEEDBACK_CHANNELS,
                    description="app_review: a review of the company's app in an app store",
                ),
                _c("brand", "string", description="'own' or a competitor's name; empty = own"),
                _c("score_type", "string", allowed=("nps", "csat", "ces", "rating")),
                _c("score", "float"),
                _c("text", "string", description="free text; untrusted"),
                _c("language", "string"),
            ),
            key=("feedback_id",),
            references={"customer_id": "customers"},
            description="Survey answers, reviews (app-store reviews too), social posts, call and "
            "chat notes.",
        ),
        Contract(
            "kano_answers",
            (
                _c("answer_id", "string", required=True),
                _c("customer_id", "string", description="may be unknown (public links)"),
                _c("timestamp", "timestamp", required=True),
                _c("survey", "string", description="the survey (e.g. its key and version)"),
                _c("feature", "string", required=True),
                _c("functional", "string", required=True, allowed=KANO_SCALE),
                _c("dysfunctional", "string", required=True, allowed=KANO_SCALE),
                _c("language", "string"),
            ),
            key=("answer_id",),
            references={"customer_id": "customers"},
            description="KANO question pairs, one row per respondent and feature "
            "(surveys write them through `loyalloop sync`).",
        ),
        Contract(
            "interactions",
            (
                _c("customer_id", "string", required=True, identifier=True),
                _c("timestamp", "timestamp", required=True),
                _c("channel", "string", required=True),
                _c("kind", "string", required=True, description="sent, opened, clicked, …"),
                _c("campaign_id", "string", identifier=True),
            ),
            key=("customer_id", "timestamp", "channel", "kind", "campaign_id"),
            references={"customer_id": "customers"},
            description="Marketing and service touches.",
        ),
        Contract(
            "campaigns",
            (
                _c("campaign_id", "string", required=True, identifier=True),
                _c("name", "string", required=True),
                _c("channel", "string"),
                _c("start_at", "timestamp"),
                _c("end_at", "timestamp"),
                _c(
                    "currency",
                    "string",
                    description="ISO 4217 code of the currency its budget and costs are in, "
                    "three upper-case letters (set at its creation; any other value is "
                    "quarantined); a run in another currency does not measure it; empty: the "
                    "run's",
                ),
            ),
            key=("campaign_id",),
        ),
        Contract(
            "assignments",
            (
                _c("customer_id", "string", required=True, identifier=True),
                _c("campaign_id", "string", required=True, identifier=True),
                _c("arm", "string", required=True, description="e.g. treatment, holdout"),
                _c("assigned_at", "timestamp", required=True),
                _c(
                    "propensity",
                    "float",
                    description="the design chance the row got its arm, above 0 and at most 1 "
                    "(logged at launch); empty: not logged",
                ),
            ),
            key=("customer_id", "campaign_id"),
            references={"customer_id": "customers", "campaign_id": "campaigns"},
        ),
        Contract(
            "outcomes",
            (
                _c("customer_id", "string", required=True, identifier=True),
                _c("campaign_id", "string", required=True, identifier=True),
                _c("timestamp", "timestamp", required=True),
                _c("kind", "string", required=True, description="e.g. converted, redeemed"),
                _c("value", "float", money=True),
            ),
            key=("customer_id", "campaign_id", "timestamp", "kind"),
            references={"customer_id": "customers", "campaign_id": "campaigns"},
        ),
    )
}


def contract(table: str) -> Contract:
    """Return the contract of a canonical table, or fail naming the known tables."""
    try:
        return CONTRACTS[table]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise ConfigError(f"unknown table {table!r}; known tables: {known}") from None


def contracts_markdown() -> str:
    """The contracts as Markdown tables (docs/data.md embeds this text; a test keeps it true)."""
    lines: list[str] = []
    for c in CONTRACTS.values():
        lines += [f"### `{c.name}`", "", c.description or "", ""]
        lines += [f"Key: `{', '.join(c.key)}`."]
        if c.references:
            refs = ", ".join(f"`{k}` → `{v}`" for k, v in c.references.items())
            lines += [f"References: {refs}."]
        lines += ["", "| column | type | required | PII | notes |", "|---|---|---|---|---|"]
        for col in c.columns:
            notes = col.description
            if col.allowed:
                notes = (notes + "; " if notes else "") + "one of " + ", ".join(col.allowed)
            if col.money:
                notes = (notes + "; " if notes else "") + f"money, below ±{MAX_MONEY:,.0f}"
            if col.derived:
                notes = (notes + "; " if notes else "") + "derived on ingest"
            lines.append(
                f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | "
                f"{'PII' if col.pii else ''} | {notes} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
