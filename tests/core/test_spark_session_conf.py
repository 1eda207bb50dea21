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


#: The input rows of the measured 1M-customer home (benchmarks/results/run_spark.md).
ROWS_1M = 16_715_209


def test_the_driver_heap_grows_with_the_data(tmp_path: Path) -> None:
    from loyalloop.core.spark import driver_heap_need

    # 1M customers: 1 GiB + 96 bytes x 16.7M rows, rounded up to 512 MiB
    assert driver_heap_need(ROWS_1M) == 5 * 2**29
    assert driver_heap_need(0) == 2**30
    assert driver_heap_need(1_680_608) % (512 * 2**20) == 0
    machine = 24 * 2**30
    heap = local_defaults(2, tmp_path, memory_bytes=23 * 2**30, input_rows=ROWS_1M)
    assert heap["spark.driver.memory"] == "2560m"  # above the machine's default of 2 GB
    # 100k customers need less than the machine's default: the default stays
    small = local_defaults(2, tmp_path, memory_bytes=machine, input_rows=1_680_608)
    assert small["spark.driver.memory"] == "3g"
    # never more than half the machine on its own
    capped = local_defaults(2, tmp_path, memory_bytes=8 * 2**30, input_rows=40_000_000)
    assert capped["spark.driver.memory"] == "4g"
    odd = local_defaults(2, tmp_path, memory_bytes=machine, input_rows=25_000_000)
    assert odd["spark.driver.memory"] == "3584m"  # 1 GiB + 2.24 GiB, rounded up to 512 MiB


def _small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    import loyalloop.core.spark as spark_mod

    monkeypatch.setattr(spark_mod, "_machine_memory_bytes", lambda: 8 * 2**30)


def test_a_run_the_machine_cannot_hold_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _small_machine(monkeypatch)
    settings = Settings(home=tmp_path, spark_master="local[2]")
    with pytest.raises(ConfigError, match=r"40,000,000 rows.*5\.0 GB.*spark\.driver\.memory=5g"):
        session_conf(settings, input_rows=40_000_000)
    assert session_conf(settings, input_rows=ROWS_1M)["spark.driver.memory"] == "2560m"
    # a cluster sizes its own driver: no check
    cluster = session_conf(Settings(home=tmp_path, spark_master="yarn"), input_rows=ROWS_1M)
    assert "spark.driver.memory" not in cluster


def test_a_heap_the_user_sets_is_kept_with_a_warning_when_small(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _small_machine(monkeypatch)
    settings = Settings(home=tmp_path, spark_master="local[2]", spark_conf="spark.driver.memory=2g")
    with caplog.at_level("WARNING", logger="loyalloop.core.spark"):
        conf = session_conf(settings, input_rows=ROWS_1M)
    assert conf["spark.driver.memory"] == "2g"
    assert "spark.driver.memory=2g is below the 2.5 GB" in caplog.text
    caplog.clear()
    big = Settings(home=tmp_path, spark_master="local[2]", spark_conf="spark.driver.memory=6g")
    with caplog.at_level("WARNING", logger="loyalloop.core.spark"):
        assert session_conf(big, input_rows=ROWS_1M)["spark.driver.memory"] == "6g"
    assert caplog.text == ""


def test_a_heap_set_in_spark_defaults_conf_is_the_users_choice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _small_machine(monkeypatch)
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text("spark.driver.memory 7g\n")
    monkeypatch.setenv("SPARK_CONF_DIR", str(conf_dir))
    conf = session_conf(Settings(home=tmp_path, spark_master="local[2]"), input_rows=ROWS_1M)
    assert "spark.driver.memory" not in conf  # Spark reads it from its file


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [("5g", 5 * 2**30), ("4608m", 4608 * 2**20), ("1024", 2**30), (" 2G ", 2 * 2**30)],
)
def test_jvm_sizes_are_read_as_spark_reads_them(text: str, nbytes: int) -> None:
    from loyalloop.core.spark import parse_jvm_size

    assert parse_jvm_size(text) == nbytes
    assert parse_jvm_size("lots") is None


def test_the_run_is_refused_before_spark_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("pyspark.sql")
    import loyalloop.core.spark as spark_mod
    from loyalloop.apps import load_sample
    from loyalloop.core.config import Engine
    from loyalloop.pipeline.run import run_pipeline

    settings = Settings(home=tmp_path / "home", timezone="UTC", phone_region="CN")
    load_sample(settings, customers=60, seed=1)
    monkeypatch.setattr(spark_mod, "_machine_memory_bytes", lambda: 2**30)  # limit 0.5 GB

    class _NoActive:
        class SparkSession:
            @staticmethod
            def getActiveSession() -> None:
                return None

    def no_jvm(builder: object) -> None:
        raise AssertionError("a JVM was started for a refused run")

    monkeypatch.setattr(spark_mod, "_pyspark", lambda: _NoActive)
    monkeypatch.setattr(spark_mod, "_start", no_jvm)
    on_spark = Settings(
        home=settings.home,
        timezone="UTC",
        phone_region="CN",
        engine=Engine.SPARK,
        spark_master="local[2]",
    )
    with pytest.raises(ConfigError, match=r"spark\.driver\.memory"):
        run_pipeline(on_spark)
    assert not (settings.home / "spark-input").exists()
