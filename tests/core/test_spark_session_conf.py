"""The settings a run's Spark session starts with: local-mode defaults sized for the machine,
Spark's own ``spark-defaults.conf`` respected, ``LOYALLOOP_SPARK_CONF`` over both, UTC fixed.

No JVM is started here: :func:`session_conf` is what :func:`spark_session` hands the builder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loyalloop.core import Settings
from loyalloop.core.spark import local_defaults, session_conf, spark_conf
from loyalloop.errors import ConfigError


@pytest.fixture(autouse=True)
def _no_spark_defaults_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPARK_CONF_DIR", raising=False)
    monkeypatch.delenv("SPARK_HOME", raising=False)


def test_local_defaults_are_sized_for_the_machine(tmp_path: Path) -> None:
    conf = local_defaults(2, tmp_path, memory_bytes=24 * 2**30)
    assert conf["spark.sql.shuffle.partitions"] == "4"
    assert conf["spark.sql.adaptive.enabled"] == "true"
    assert conf["spark.driver.memory"] == "3g"  # an eighth of 24 GiB
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.catalogImplementation"] == "in-memory"
    assert conf["spark.sql.execution.arrow.pyspark.enabled"] == "true"
    assert conf["spark.local.dir"].startswith(str(tmp_path))
    # bounded: 1 GB on a small box, 4 GB on a large one
    assert local_defaults(8, tmp_path, memory_bytes=2 * 2**30)["spark.driver.memory"] == "1g"
    assert local_defaults(8, tmp_path, memory_bytes=256 * 2**30)["spark.driver.memory"] == "4g"
    assert local_defaults(8, tmp_path, memory_bytes=1)["spark.sql.shuffle.partitions"] == "16"


@pytest.mark.parametrize(
    ("master", "partitions"),
    [("local", "2"), ("local[3]", "6"), ("local[3, 2]", "6"), ("local[*]", None)],
)
def test_local_masters_get_the_local_defaults(
    tmp_path: Path, master: str, partitions: str | None
) -> None:
    conf = session_conf(Settings(home=tmp_path, spark_master=master))
    if partitions is None:  # local[*]: the machine's cores
        partitions = str(2 * (os.cpu_count() or 1))
    assert conf["spark.sql.shuffle.partitions"] == partitions
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_a_cluster_gets_only_the_fixed_settings(tmp_path: Path) -> None:
    conf = session_conf(Settings(home=tmp_path, spark_master="spark://head:7077"))
    assert conf == {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false"}
    conf = session_conf(
        Settings(
            home=tmp_path,
            spark_master="yarn",
            spark_conf="spark.executor.memory=8g; spark.sql.shuffle.partitions = 400",
        )
    )
    assert conf["spark.executor.memory"] == "8g"
    assert conf["spark.sql.shuffle.partitions"] == "400"


def test_the_environment_overrides_the_local_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "LOYALLOOP_SPARK_CONF", "spark.sql.shuffle.partitions=16\nspark.ui.enabled=true"
    )
    conf = session_conf(Settings(home=tmp_path, spark_master="local[2]"))
    assert conf["spark.sql.shuffle.partitions"] == "16"
    assert conf["spark.ui.enabled"] == "true"
    assert conf["spark.driver.host"] == "127.0.0.1"  # the other defaults stay


def test_keys_in_spark_defaults_conf_are_left_to_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(
        "# site settings\nspark.driver.memory   12g\nspark.sql.shuffle.partitions=32\n"
    )
    monkeypatch.setenv("SPARK_CONF_DIR", str(conf_dir))
    conf = session_conf(Settings(home=tmp_path, spark_master="local[2]"))
    assert "spark.driver.memory" not in conf
    assert "spark.sql.shuffle.partitions" not in conf
    assert conf["spark.sql.adaptive.enabled"] == "true"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("shuffle.partitions=4", "not a Spark setting"),
        ("spark.sql.shuffle.partitions", "not a Spark setting"),
        ("spark.executor.memory=", "not a Spark setting"),
        ("spark.sql.session.timeZone=Asia/Shanghai", "fixes it to 'UTC'"),
    ],
)
def test_a_malformed_setting_is_a_clear_error(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        spark_conf(text)


def test_blank_entries_and_comments_are_ignored() -> None:
    assert spark_conf(" ; # a comment\n spark.a=1 ;; spark.b = x=y ") == {
        "spark.a": "1",
        "spark.b": "x=y",
    }


def test_spark_session_hands_the_settings_to_the_builder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("pyspark.sql")
    import loyalloop.core.spark as spark_mod

    seen: dict[str, str] = {}

    class _Context:
        def setLogLevel(self, level: str) -> None:
            seen["log level"] = level

    class _Session:
        sparkContext = _Context()

    def fake_start(builder: object) -> _Session:
        seen.update(builder._options)  # type: ignore[attr-defined]
        return _Session()

    monkeypatch.setattr(spark_mod, "_start", fake_start)
    settings = Settings(home=tmp_path, spark_master="local[2]", spark_conf="spark.x.y=1")
    spark_mod.spark_session(settings)
    assert seen["spark.master"] == "local[2]"
    assert seen["spark.sql.shuffle.partitions"] == "4"
    assert seen["spark.x.y"] == "1"
    assert seen["spark.sql.session.timeZone"] == "UTC"
    assert seen["log level"] == "ERROR"
