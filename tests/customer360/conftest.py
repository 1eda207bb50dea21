"""A small sample home with one run, a store on SQLite, and one customer with everything:
feedback with text (one hostile comment), a case, and a survey answer."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "_service"))
sys.path.insert(0, str(Path(__file__).parent))

from c360kit import EVIL, Home
from svc_fixtures import SECRET, cheap_argon2  # noqa: F401

from loyalloop.core.config import Settings
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.services import Actor, Store, open_store
from loyalloop.services.customer360 import clear_index_cache


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory, sample_homes: Any) -> Home:
    import shutil

    from loyalloop.core.warehouse import Warehouse
    from loyalloop.pipeline import RunConfig, RunStore

    home = tmp_path_factory.mktemp("c360") / "home"
    settings = Settings(home=home, timezone="UTC", phone_region="CN")
    # load_sample(settings, customers=300, seed=1, business="card") and
    # run_pipeline(settings, RunConfig()), done once for every worker and the browser tests
    done = sample_homes.run_once(
        settings, customers=300, seed=1, business="card", config=RunConfig()
    )
    shutil.copytree(done, home)
    run = RunStore(settings.runs_dir).latest()
    import pyarrow.compute as pc

    fa = run.read("feedback_analysis")
    rfm_ids = set(run.read("rfm").column("customer_id").to_pylist())
    with Warehouse(settings) as wh:
        rows = wh.execute(
            "SELECT f.feedback_id, f.customer_id, c.phone_e164, c.email_normalized, c.name "
            "FROM feedback f JOIN customers c USING (customer_id) "
            "WHERE f.text IS NOT NULL AND f.brand = 'own' AND c.phone_e164 IS NOT NULL "
            "AND c.email_normalized IS NOT NULL ORDER BY f.feedback_id"
        ).fetchall()
        analysed = set(fa.filter(pc.is_valid(fa["profile_id"])).column("feedback_id").to_pylist())
        pick = next(r for r in rows if r[0] in analysed and r[1] in rfm_ids)
        fid, cid, phone, email, name = pick
        wh.execute("UPDATE feedback SET text = ? WHERE feedback_id = ?", [EVIL, fid])
        other = next(c for c in sorted(rfm_ids) if c != cid)
        wh.execute("UPDATE customers SET phone_e164 = ? WHERE customer_id = ?", [phone, other])
    return Home(settings, cid, fid, phone, email, name, other)


@pytest.fixture(scope="session")
def c360_store(sample_home: Home) -> Iterator[Store]:
    from loyalloop.services.surveys import create_survey
    from loyalloop.store.models import CaseRow, Response

    home = sample_home.settings.home
    settings = ServiceSettings(
        home=home,
        database_url=f"sqlite:///{home / 'service.sqlite3'}",
        secret_key=SECRET,  # type: ignore[arg-type]
        env="production",  # type: ignore[arg-type]
    )
    store = open_store(settings, sample_home.settings)
    spec = {
        "key": "visit",
        "title": {"zh": "网点服务调查", "en": "Branch visit"},
        "questions": [
            {"id": "nps", "type": "nps", "text": {"zh": "推荐可能性？", "en": "Recommend?"}},
            {"id": "why", "type": "text", "text": {"zh": "原因？", "en": "Why?"}},
            {
                "id": "served",
                "type": "single_choice",
                "text": {"zh": "办理方式？", "en": "How were you served?"},
                "options": [
                    {"id": "counter", "text": {"zh": "柜台", "en": "Counter"}},
                    {"id": "app", "text": {"zh": "手机银行", "en": "Mobile app"}},
                ],
            },
            {
                "id": "used",
                "type": "multi_choice",
                "text": {"zh": "用了哪些？", "en": "What did you use?"},
                "options": [
                    {"id": "atm", "text": {"zh": "自动柜员机", "en": "ATM"}},
                    {"id": "queue", "text": {"zh": "排队取号", "en": "Queue ticket"}},
                ],
            },
        ],
    }
    now = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)
    with store.session() as s:
        survey = create_survey(s, spec, Actor.cli(), publish=True)
        s.add(
            Response(
                survey_id=survey.id,
                version=1,
                customer_id=sample_home.customer,
                channel="link",
                language="zh",
                answers={
                    "nps": 3,
                    "why": "<b>服务</b>太慢，回电13812345678",
                    "served": "counter",
                    "used": ["atm", "queue"],
                    "dropped": "kept as written",
                },
                submitted_at=now,
            )
        )
        s.add(
            CaseRow(
                customer_id=sample_home.customer,
                topic="detractor",
                team="care",
                sla_class="standard",
                priority="P2",
                status="new",
                first_response_seconds=3600.0,
                resolution_seconds=86400.0,
                warning_fraction=0.8,
                opened_at=now,
            )
        )
        s.commit()
    yield store
    store.close()


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    clear_index_cache()
    yield
    clear_index_cache()
