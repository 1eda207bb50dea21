"""Benchmark: fit BG/NBD, Pareto/NBD and Gamma-Gamma on 1M simulated customers, side by side
with lifetimes and pymc-marketing (MAP), and score 10M customers with bounded memory.

``--continuous``: times are not rounded to whole days (T uniform on [1, 730]), so no two
customers share a row and nothing collapses: the case where a fit's cost is its per-row work.

``--shape sample``: Pareto/NBD only, continuous times in weeks shaped like the 10k sample run's
own estimates (``SAMPLE_TRUTH``; T uniform on [1/7, 130] weeks, as the sample's 2.5 years of
acquisitions): ``|alpha - beta| / max(alpha, beta)`` = 0.982, where the hypergeometric series
converges slowly. Data in WORKDIR/sample-shape; lifetimes on the first ``--small-customers``.

Every measurement runs in its own subprocess (fresh interpreter) and reports wall time of the
fit alone (data already in memory), the parameters, and the peak resident memory of the whole
process (``getrusage`` ``ru_maxrss``: interpreter + imports + data + fit). The parent then
evaluates each peer's parameters with one likelihood (loyalloop's) so "same maximum" is
compared on one scale, and writes ``benchmarks/results/clv.md``.

Usage::

    .venv/bin/python benchmarks/clv_fit.py \\
        --peer-python /work/bench-venv/bin/python   # venv with lifetimes + pymc-marketing

Peers are never project dependencies: pymc-marketing lives in its own venv. Run it once, on a
quiet machine; it takes several minutes (lifetimes' Pareto/NBD is the slow part).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# truth used for the simulated customer base (data in days; 2 years of acquisitions)
BG_TRUTH = {"r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.4}
PNBD_TRUTH = {"r": 0.55, "alpha": 74.0, "s": 0.6, "beta": 82.0}
GG_TRUTH = {"p": 6.0, "q": 3.8, "v": 15.0}
MAX_T = 730
# the 10k sample run's Pareto/NBD estimates (weeks), for --shape sample
SAMPLE_TRUTH = {"r": 1.62, "alpha": 1.23, "s": 0.53, "beta": 68.5}
SAMPLE_MAX_T = 130.0


def _shape_is_sample(argv: list[str]) -> bool:
    """``--shape sample`` (or ``--shape=sample``) among the arguments."""
    pairs = zip(argv, [*argv[1:], ""], strict=True)
    return "--shape=sample" in argv or any(a == "--shape" and v == "sample" for a, v in pairs)


SAMPLE_SHAPE = _shape_is_sample(sys.argv)


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
CONTINUOUS = "--continuous" in sys.argv


def _simulate(kind: str, n: int, seed: int) -> Any:
    sys.path.insert(0, str(ROOT / "src"))
    from loyalloop.clv.simulate import simulate_beta_geo, simulate_gamma_gamma, simulate_pareto_nbd

    rng = np.random.default_rng(seed)
    if SAMPLE_SHAPE:
        T = rng.uniform(1.0 / 7.0, SAMPLE_MAX_T, n)
        return simulate_pareto_nbd(n, **SAMPLE_TRUTH, T=T, seed=rng)
    whole = not CONTINUOUS
    T = rng.integers(1, MAX_T + 1, n).astype(float) if whole else rng.uniform(1.0, MAX_T, n)
    if kind == "bg":
        data = simulate_beta_geo(n, **BG_TRUTH, T=T, seed=rng, whole_periods=whole)
    else:
        data = simulate_pareto_nbd(n, **PNBD_TRUTH, T=T, seed=rng, whole_periods=whole)
    spend = np.zeros(n)
    repeat = data["frequency"].to_numpy() > 0
    spend[repeat] = simulate_gamma_gamma(
        data["frequency"].to_numpy()[repeat], **GG_TRUTH, seed=rng
    )["monetary_value"].to_numpy()
    data["monetary_value"] = np.round(spend, 2)
    return data


def make_data(workdir: Path, n: int, n_score: int, n_small: int) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = {
        "bg": workdir / "bg.parquet",
        "pnbd": workdir / "pnbd.parquet",
        "pnbd_small": workdir / "pnbd_small.parquet",
        "score": workdir / "score.parquet",
    }
    if not paths["bg"].exists() and not SAMPLE_SHAPE:
        _simulate("bg", n, 1).to_parquet(paths["bg"], index=False)
    if not paths["pnbd"].exists():
        _simulate("pnbd", n, 2).to_parquet(paths["pnbd"], index=False)
    if not paths["pnbd_small"].exists():
        small = pq.read_table(paths["pnbd"]).slice(0, n_small).to_pandas()
        small.to_parquet(paths["pnbd_small"], index=False)
    if not paths["score"].exists() and n_score > 0:
        writer = None
        chunk = 1_000_000
        for i, start in enumerate(range(0, n_score, chunk)):
            frame = _simulate("bg", min(chunk, n_score - start), 100 + i)
            frame["customer_id"] += start
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(paths["score"]), table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    return paths


# --------------------------------------------------------------------------------------------
# jobs (run in a subprocess; print one JSON line)
# --------------------------------------------------------------------------------------------
def _peak_mb() -> float:
    """Peak RSS of this process image (VmHWM).

    Not ``getrusage().ru_maxrss``: on Linux that survives fork + exec, so a child would report
    at least the parent's size at the time of the fork.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load(path: str, model: str) -> Any:
    import pandas as pd

    frame = pd.read_parquet(path)
    if model == "gg":
        frame = frame[frame["frequency"] > 0].reset_index(drop=True)
    return frame


def job_loyalloop(model: str, path: str, source: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    from loyalloop.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel

    cls = {"bg": BetaGeoModel, "pnbd": ParetoNBDModel, "gg": GammaGammaModel}[model]
    if source == "ibis":
        import ibis

        con = ibis.duckdb.connect()
        data: Any = con.read_parquet(path)
        if model == "gg":
            data = data.filter(data.frequency > 0)
    else:
        data = _load(path, model)
    loaded_mb = _peak_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    fitted = cls().fit(data)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "params": dict(fitted.params_),
        "standard_errors": dict(fitted.standard_errors_),
        "log_likelihood": fitted.log_likelihood_,
        "n_distinct": fitted.data_period_.n_distinct,
        "iterations": fitted.convergence_.iterations if fitted.convergence_ else None,
        "loaded_mb": loaded_mb,
    }


def job_lifetimes(model: str, path: str) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    import lifetimes

    data = _load(path, model)
    loaded_mb = _peak_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    if model == "bg":
        f = lifetimes.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
        names = ("r", "alpha", "a", "b")
    elif model == "pnbd":
        f = lifetimes.ParetoNBDFitter().fit(data["frequency"], data["recency"], data["T"])
        names = ("r", "alpha", "s", "beta")
    else:
        f = lifetimes.GammaGammaFitter().fit(data["frequency"], data["monetary_value"])
        names = ("p", "q", "v")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "params": {k: float(f.params_[k]) for k in names},
        "loaded_mb": loaded_mb,
    }


def job_pymc(model: str, path: str) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    import logging

    logging.getLogger("pymc").setLevel(logging.ERROR)
    from pymc_extras.prior import Prior
    from pymc_marketing import clv

    data = _load(path, model)
    if model == "gg":
        data = data[["customer_id", "frequency", "monetary_value"]]
    else:
        data = data[["customer_id", "frequency", "recency", "T"]]
    loaded_mb = _peak_mb()
    flat = Prior("HalfFlat")  # flat priors: the MAP is the maximum-likelihood estimate
    if model == "bg":
        cls, config, names = (
            clv.BetaGeoModel,
            {k: flat for k in ("r", "alpha", "a", "b")},
            ("r", "alpha", "a", "b"),
        )
    elif model == "pnbd":
        cls, config, names = (
            clv.ParetoNBDModel,
            {k: flat for k in ("r", "alpha", "s", "beta")},
            ("r", "alpha", "s", "beta"),
        )
    else:
        cls, config, names = (
            clv.GammaGammaModel,
            {k: flat for k in ("p", "q", "v")},
            ("p", "q", "v"),
        )
    timings = []
    cpu = []
    params: dict[str, float] = {}
    for _ in range(2):  # first: build + compile (cold); second: same work, compiled (warm)
        t0, c0 = time.perf_counter(), time.process_time()
        m = cls(model_config=dict(config))
        m.fit(data, method="map", progressbar=False)
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        post = m.idata.posterior
        params = {k: float(post[k].values.ravel()[0]) for k in names}
    return {
        "seconds": timings[1],
        "seconds_cold": timings[0],
        "cpu_seconds": cpu[1],
        "params": params,
        "loaded_mb": loaded_mb,
    }


def job_score(path: str, bg_path: str, batch_size: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "src"))
    import ibis

    from loyalloop.clv import BetaGeoModel, GammaGammaModel, score_to_parquet

    con = ibis.duckdb.connect()
    train = con.read_parquet(bg_path)
    bg = BetaGeoModel().fit(train)
    gg = GammaGammaModel().fit(train.filter(train.frequency > 0))
    table = con.read_parquet(path)
    out = Path(path).with_name("scores.parquet")
    loaded_mb = _peak_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    rows = score_to_parquet(
        out,
        bg,
        table,
        t=90.0,
        spend_model=gg,
        horizon=12,
        discount_rate=0.01,
        time_unit="D",
        batch_size=batch_size,
    )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    size_mb = out.stat().st_size / 1e6
    out.unlink()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": rows,
        "loaded_mb": loaded_mb,
        "output_mb": size_mb,
        "batch_size": batch_size,
    }


# --------------------------------------------------------------------------------------------
# parent
# --------------------------------------------------------------------------------------------
def run_job(python: str, args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [python, str(Path(__file__).resolve()), "--job", *args]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if "pymc" in args:
        env["PYTENSOR_FLAGS"] = f"compiledir={tempfile.mkdtemp(prefix='pytensor-')}"
    print(f"running {' '.join(args)} …", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s", "timeout": timeout}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def loglik_at(model: str, path: str, params: dict[str, float]) -> float:
    """Total log-likelihood of ``params`` on the benchmark data (loyalloop's likelihood)."""
    sys.path.insert(0, str(ROOT / "src"))
    from loyalloop.clv import BetaGeoModel, ParetoNBDModel
    from loyalloop.clv._data import collapse

    data = _load(path, model)
    if model == "gg":
        stats = collapse(data, ("frequency", "monetary_value"), what="gg")
        x, m, w = stats["frequency"], stats["monetary_value"], stats.weights
        from scipy.special import gammaln

        p, q, v = params["p"], params["q"], params["v"]
        ll = (
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(v)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(v + x * m)
        )
        return float(np.sum(w * ll))
    cls = {"bg": BetaGeoModel, "pnbd": ParetoNBDModel}[model]
    stats = collapse(data, ("frequency", "recency", "T"), what=model)
    objective, _ = cls()._objective(stats)
    theta = np.log([params[k] for k in cls.param_names])
    return float(-objective(theta)[0] * stats.weights.sum())


def machine() -> str:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in lscpu.splitlines()
            if line.startswith("Model name")
        ),
        platform.processor(),
    )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, nproc={nproc}, {mem:.0f} GiB RAM, Linux {platform.release()}"


def versions(peer_python: str) -> dict[str, str]:
    code = (  # packages the peer's environment lacks are left out
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for k in ['lifetimes', 'pymc', 'pymc-marketing', 'pytensor', 'numpy', 'scipy']:\n"
        "    try:\n"
        "        out[k] = m.version(k)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(out))"
    )
    ours = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({k: m.version(k) for k in ['numpy', 'scipy', 'pandas', 'duckdb']}))"
    )
    out: dict[str, str] = {}
    for python, snippet, prefix in ((peer_python, code, "peer "), (sys.executable, ours, "")):
        proc = subprocess.run([python, "-c", snippet], capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            out.update({prefix + k: v for k, v in json.loads(proc.stdout).items()})
    return out


def _fmt_params(params: dict[str, float] | None) -> str:
    if not params:
        return "—"
    return ", ".join(f"{k}={v:.5g}" for k, v in params.items())


def report(results: dict[str, Any], meta: dict[str, Any]) -> str:
    kind = "continuous times, nothing to collapse" if meta.get("continuous") else "daily resolution"
    if meta.get("shape") == "sample":
        kind = "Pareto/NBD shaped like the 10k sample run, continuous times in weeks"
    lines = [
        f"# CLV benchmark ({kind})",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {meta['machine']} (shared with other work while measured; see note)",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}",
        (
            f"- Data: {meta['n']:,} simulated customers (T uniform in 1/7..{SAMPLE_MAX_T:.0f} "
            f"weeks); truth Pareto/NBD {SAMPLE_TRUTH}. Generated by `benchmarks/clv_fit.py "
            "--shape sample` with fixed seeds."
        )
        if meta.get("shape") == "sample"
        else f"- Data: {meta['n']:,} simulated customers per model ({kind}, T uniform in "
        f"1..{MAX_T} days); truth BG/NBD {BG_TRUTH}, Pareto/NBD {PNBD_TRUTH}, Gamma-Gamma "
        f"{GG_TRUTH} on repeat buyers. Generated by `benchmarks/clv_fit.py` with fixed seeds.",
        "- Each cell is one run in a fresh subprocess (`OMP/OPENBLAS_NUM_THREADS=1`). *Fit s* is "
        "the fit call alone with the data already in memory; *peak MB* is the process's peak "
        "RSS (interpreter, imports, data and fit). *LL* is every peer's estimate evaluated "
        "with the same (loyalloop's) likelihood, so equal maxima show as equal LL.",
        "- pymc-marketing: MAP with flat (`HalfFlat`) priors so its MAP is the MLE; *warm* is "
        "a second fit in the same process (compiled graph cached), *cold* the first, with an "
        "empty PyTensor compile directory.",
        "",
    ]
    for model, title in (
        ("bg", "BG/NBD"),
        ("pnbd", "Pareto/NBD"),
        ("pnbd_small", f"Pareto/NBD on the first {meta['n_small']:,} customers (for lifetimes)"),
        ("gg", "Gamma-Gamma (repeat buyers of the BG/NBD data)"),
    ):
        rows = results.get(model, {})
        if not rows:
            continue
        base = rows.get("loyalloop", {}).get("seconds")
        base_cpu = rows.get("loyalloop", {}).get("cpu_seconds")
        lines += [
            f"## {title}",
            "",
            "| implementation | fit s (wall) | ÷ loyalloop | fit CPU s | ÷ loyalloop | peak MB "
            "| LL at estimates | estimates |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        if model == "pnbd" and "lifetimes" not in rows:
            lines.append(
                "| lifetimes | not run on 1M | | | | | | Nelder-Mead without gradients: "
                "see the subset table below |"
            )
        for peer, res in rows.items():
            if "error" in res:
                label = f"{peer} (run {res['run']})" if res.get("run") else peer
                lines.append(f"| {label} | — | — | — | — | — | — | {res['error']} |")
                continue
            secs, cpu = res["seconds"], res.get("cpu_seconds")
            ratio = f"{secs / base:.1f}×" if base else "—"
            cpu_ratio = f"{cpu / base_cpu:.1f}×" if base_cpu and cpu is not None else "—"
            cold = f" (cold {res['seconds_cold']:.1f})" if "seconds_cold" in res else ""
            ll = res.get("ll_check")
            ll_text = f"{ll:.6f}" if ll is not None else "—"
            cpu_text = f"{cpu:.3f}" if cpu is not None else "—"
            peak = res.get("peak_mb")
            peak_text = f"{peak:.0f}" if peak is not None and np.isfinite(peak) else "—"
            label = f"{peer} (run {res['run']})" if res.get("run") else peer
            lines.append(
                f"| {label} | {secs:.3f}{cold} | {ratio} | {cpu_text} | {cpu_ratio} | "
                f"{peak_text} | {ll_text} | {_fmt_params(res.get('params'))} |"
            )
        extra = rows.get("loyalloop", {})
        if "n_distinct" in extra:
            lines += [
                "",
                f"loyalloop fitted {extra['n_distinct']:,} distinct rows.",
            ]
        lines.append("")
    if meta.get("notes"):
        lines += ["## Notes", "", *[f"- {note}" for note in meta["notes"]], ""]
    sc = results.get("score")
    if sc and "error" not in sc:
        lines += [
            f"## Scoring {sc['rows']:,} customers",
            "",
            f"{sc['rows']:,} customers read from Parquet through DuckDB/Ibis in batches of "
            f"{sc['batch_size']:,}: P(alive), expected purchases in 90 days, Gamma-Gamma "
            f"expected spend and 12-month CLV, written to Parquet ({sc['output_mb']:.0f} MB): "
            f"**{sc['seconds']:.1f} s** wall, {sc['cpu_seconds']:.1f} s CPU "
            f"({sc['rows'] / sc['seconds']:,.0f} customers/s), "
            f"**peak {sc['peak_mb']:.0f} MB** for the whole process (models fitted in the "
            "same process first).",
            "",
        ]
    elif sc:
        lines += ["## Scoring", "", f"failed: {sc['error']}", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--job", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--score-customers", type=int, default=10_000_000)
    ap.add_argument(
        "--small-customers",
        type=int,
        default=100_000,
        help="subset on which lifetimes' Pareto/NBD is compared",
    )
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "clv-bench")
    ap.add_argument("--peer-python", default="/work/bench-venv/bin/python")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument(
        "--continuous",
        action="store_true",
        help="continuous times (nothing collapses); data in WORKDIR/continuous",
    )
    ap.add_argument(
        "--skip",
        nargs="*",
        default=["lifetimes-pnbd"],
        help="jobs to skip: loyalloop, loyalloop-ibis, lifetimes, pymc or score, "
        "optionally per model (e.g. pymc-pnbd)",
    )
    ap.add_argument(
        "--shape",
        choices=["default", "sample"],
        default="default",
        help="sample: Pareto/NBD only, shaped like the 10k sample run (see the docstring)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results" / "clv.md")
    ap.add_argument(
        "--merge",
        action="store_true",
        help="start from the workdir's results.json: skipped jobs keep their earlier rows",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the markdown from the workdir's results.json without measuring",
    )
    args = ap.parse_args()

    if args.continuous:
        args.workdir = args.workdir / "continuous"
    if args.shape == "sample":
        args.workdir = args.workdir / "sample-shape"
        args.score_customers = 0
    if args.report_only:
        saved = json.loads((args.workdir / "results.json").read_text())
        args.out.write_text(report(saved["results"], saved["meta"]) + "\n")
        return

    if args.job:
        kind, *rest = args.job
        if kind == "loyalloop":
            res = job_loyalloop(rest[0], rest[1], rest[2])
        elif kind == "lifetimes":
            res = job_lifetimes(rest[0], rest[1])
        elif kind == "pymc":
            res = job_pymc(rest[0], rest[1])
        else:
            res = job_score(rest[0], rest[1], int(rest[2]))
        res["peak_mb"] = _peak_mb()
        print(json.dumps(res))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    paths = make_data(args.workdir, args.customers, args.score_customers, args.small_customers)
    results: dict[str, Any] = {}
    merged_from = args.workdir / "results.json"
    if args.merge and merged_from.exists():  # keep earlier rows for the jobs skipped now
        results = json.loads(merged_from.read_text())["results"]
    models = (
        ("pnbd", "pnbd_small") if args.shape == "sample" else ("bg", "pnbd", "pnbd_small", "gg")
    )
    for key_model in models:
        model = "pnbd" if key_model.startswith("pnbd") else key_model
        path = str(paths[key_model] if key_model.startswith("pnbd") else paths["bg"])
        jobs = {
            "loyalloop": ("loyalloop", sys.executable, ["loyalloop", model, path, "pandas"]),
            "loyalloop (from DuckDB/Ibis)": (
                "loyalloop-ibis",
                sys.executable,
                ["loyalloop", model, path, "ibis"],
            ),
            "lifetimes": ("lifetimes", args.peer_python, ["lifetimes", model, path]),
            "pymc-marketing MAP": ("pymc", args.peer_python, ["pymc", model, path]),
        }
        if key_model == "pnbd_small":  # lifetimes' Pareto/NBD is too slow for 1M: a subset
            jobs = {k: v for k, v in jobs.items() if k in ("loyalloop", "lifetimes")}
        results.setdefault(key_model, {})
        for name, (key, python, job) in jobs.items():
            if f"{key}-{key_model}" in args.skip or key in args.skip:
                continue
            res = run_job(python, job, args.timeout)
            if "params" in res:
                res["ll_check"] = loglik_at(model, path, res["params"])
            results[key_model][name] = res
            print(json.dumps({key_model: {name: res}}), file=sys.stderr, flush=True)
    if "score" not in args.skip and args.score_customers > 0:
        results["score"] = run_job(
            sys.executable,
            ["score", str(paths["score"]), str(paths["bg"]), "500000"],
            args.timeout,
        )
    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(args.peer_python),
        "n": args.customers,
        "n_small": args.small_customers,
        "continuous": args.continuous,
        "shape": args.shape,
    }
    (args.workdir / "results.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(results, meta) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
