"""Maximum-likelihood machinery shared by the CLV models.

Parameters are optimised on the log scale (all model parameters are positive). The objective
is the weighted *mean* negative log-likelihood, which keeps gradients of order one whatever
the number of customers. L-BFGS-B does the search from one or more starting points; a few
Newton steps on a finite-difference Hessian then polish the optimum so that estimates are
reproducible to many significant digits. Standard errors come from the inverse Hessian of the
total log-likelihood in the natural parameters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import minimize

from loyalloop.errors import ModelError

__all__ = [
    "ConvergenceReport",
    "FitResult",
    "NumericObjective",
    "Objective",
    "ProgressCallback",
    "maximize_likelihood",
    "numeric_gradient",
]

log = logging.getLogger(__name__)

# (mean negative log-likelihood, gradient wrt log-parameters)
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
#: ``progress(iteration, mean_log_likelihood)``, called after each optimiser iteration
ProgressCallback = Callable[[int, float], None]

_LOG_BOUND = 30.0  # |log(param)| <= 30: parameters between 1e-13 and 1e13


@dataclass(frozen=True)
class ConvergenceReport:
    """How the maximum-likelihood fit went.

    Attributes
    ----------
    converged
        The optimiser reported success, the gradient is small and the Hessian is positive
        definite (a proper maximum).
    message
        The optimiser's message, or the reason the fit is not trusted.
    iterations, function_evaluations
        Summed over all starts and the Newton polish.
    gradient_norm
        Max-norm of the gradient of the mean log-likelihood wrt the log-parameters at the end.
    hessian_condition
        Condition number of the Hessian (log-parameters); large values mean weakly identified
        parameters.
    starts
        Number of starting points tried.
    seconds
        Wall time of the optimisation.
    """

    converged: bool
    message: str
    iterations: int
    function_evaluations: int
    gradient_norm: float
    hessian_condition: float
    starts: int
    seconds: float
    start_values: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class FitResult:
    params: dict[str, float]
    standard_errors: dict[str, float]
    covariance: np.ndarray
    log_likelihood: float
    report: ConvergenceReport


def numeric_gradient(
    fun: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-5
) -> np.ndarray:
    """Central-difference gradient (used where no analytic gradient exists)."""
    g = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = step
        g[i] = (fun(x + e) - fun(x - e)) / (2 * step)
    return g


class NumericObjective:
    """Objective from a value function, for likelihoods without an analytic gradient.

    Calling it gives forward differences (k + 1 evaluations, enough to steer the search);
    :meth:`precise` gives central differences (2k + 1) for the Newton polish and the Hessian.
    """

    def __init__(self, value: Callable[[np.ndarray], float]) -> None:
        self.value = value

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        f0 = self.value(x)
        step = 1e-7
        g = np.empty_like(x)
        for i in range(len(x)):
            e = np.zeros_like(x)
            e[i] = step
            g[i] = (self.value(x + e) - f0) / step
        return f0, g

    def precise(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        return self.value(x), numeric_gradient(self.value, x)


def _hessian(
    objective: Objective, x: np.ndarray, grad: np.ndarray | None = None, step: float = 1e-4
) -> np.ndarray:
    """Finite-difference Hessian from gradients, symmetrised.

    Central differences, or forward differences from ``grad`` (the gradient at ``x``) when
    given: half the evaluations, error of order ``step`` relative — ample for standard errors
    and Newton steps.
    """
    k = len(x)
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        if grad is None:
            h[i] = (objective(x + e)[1] - objective(x - e)[1]) / (2 * step)
        else:
            h[i] = (objective(x + e)[1] - grad) / step
    return (h + h.T) / 2


def _hessian_from_values(value: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central second differences of the function itself: 1 + 2k + 2k(k-1) evaluations.

    For likelihoods without an analytic gradient this is far cheaper than differencing a
    finite-difference gradient (2k(2k+1) evaluations) and as accurate.
    """
    k = len(x)
    step = 1e-4
    f0 = value(x)
    h = np.empty((k, k))
    eye = np.eye(k) * step
    plus = [value(x + eye[i]) for i in range(k)]
    minus = [value(x - eye[i]) for i in range(k)]
    for i in range(k):
        h[i, i] = (plus[i] - 2.0 * f0 + minus[i]) / step**2
        for j in range(i):
            h[i, j] = h[j, i] = (
                value(x + eye[i] + eye[j])
                - value(x + eye[i] - eye[j])
                - value(x - eye[i] + eye[j])
                + value(x - eye[i] - eye[j])
            ) / (4.0 * step**2)
    return h


class _Tracker:
    """Counts optimiser iterations and reports them with the latest log-likelihood."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.progress = progress
        self.count = 0
        self.value = float("nan")

    def wrap(self, fun: Objective) -> Objective:
        def tracked(x: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = fun(x)
            self.value = value
            return value, grad

        return tracked

    def iteration(self, *_: object) -> None:
        self.report(-self.value)

    def report(self, mean_log_likelihood: float) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress(self.count, mean_log_likelihood)


def _newton(
    safe: Objective,
    hessian_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x: np.ndarray,
    value: float,
    grad: np.ndarray,
    hess: np.ndarray,
    *,
    max_steps: int,
    tracker: _Tracker,
    refresh: bool = True,
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, int, int, bool]:
    """Damped Newton steps; returns the point, value, gradient, Hessian, steps, evaluations
    and whether the point moved by more than 1e-4. With ``refresh`` the Hessian is
    recomputed after such a move; without, the first one is kept (the chord method: linear
    convergence, but no new Hessian, which costs several evaluations when it is numeric)."""
    steps = evaluations = 0
    moved_far = False
    for _ in range(max_steps):
        if np.max(np.abs(grad)) < 1e-10:
            break
        h = hess
        lowest = float(np.linalg.eigvalsh(h).min()) if np.all(np.isfinite(h)) else -np.inf
        if not np.isfinite(lowest):
            break
        if lowest <= 0:  # not convex here: shift towards gradient descent (Levenberg)
            h = h + (abs(lowest) + 1e-3) * np.eye(len(x))
        try:
            step = np.linalg.solve(h, grad)
        except np.linalg.LinAlgError:
            break
        accepted = False
        scale = 1.0
        for _ in range(10):
            x_new = np.clip(x - scale * step, -_LOG_BOUND, _LOG_BOUND)
            value_new, grad_new = safe(x_new)
            evaluations += 1
            if value_new <= value + 1e-15 * abs(value):
                accepted = True
                break
            scale /= 2
        if not accepted:
            break
        moved = float(np.max(np.abs(x_new - x)))
        x, value, grad = x_new, value_new, grad_new
        steps += 1
        tracker.report(-value)
        moved_far = moved_far or moved > 1e-4
        if moved > 1e-4 and refresh:
            hess = hessian_at(x, grad)
    return x, value, grad, hess, steps, evaluations, moved_far


def maximize_likelihood(
    objective: Objective,
    starts: Sequence[Sequence[float]],
    names: Sequence[str],
    total_weight: float,
    *,
    model: str,
    gtol: float = 1e-6,
    maxiter: int = 2000,
    progress: ProgressCallback | None = None,
    warm: bool = False,
) -> FitResult:
    """Maximise a likelihood given as the mean negative log-likelihood in log-parameters.

    An objective with an analytic Hessian (a ``hessian(theta)`` method) uses it for the
    Newton polish and the standard errors; others use finite differences. ``warm=True`` says
    the (single) start is already close to the maximum (e.g. the estimate on a subsample):
    Newton's method then starts right away (keeping its first Hessian when that one is
    numeric) and L-BFGS-B runs only if it does not converge.

    Raises
    ------
    ModelError
        When no start gives a finite likelihood, or the best optimum is not a proper maximum
        (gradient not small or Hessian not positive definite).
    """
    t0 = time.perf_counter()
    best_x: np.ndarray | None = None
    best_fun = np.inf
    iterations = 0
    evaluations = 0
    messages: list[str] = []
    start_values = []

    def guarded(fun: Objective) -> Objective:
        def wrapped(x: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = fun(x)
            if not np.isfinite(value) or not np.all(np.isfinite(grad)):
                return 1e300, np.zeros_like(x)
            return value, grad

        return wrapped

    search = guarded(objective)
    safe = guarded(getattr(objective, "precise", objective))
    tracker = _Tracker(progress)
    if progress is not None:
        search = tracker.wrap(search)
    analytic_hessian = getattr(objective, "hessian", None)
    finite_gradient = hasattr(objective, "precise")

    def hessian_at(point: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        if analytic_hessian is not None:
            return np.asarray(analytic_hessian(point), dtype=float)
        if not finite_gradient:
            return _hessian(safe, point, gradient)
        return _hessian_from_values(objective.value, point)  # type: ignore[attr-defined]

    done = False
    if warm:
        x = np.log(np.asarray(starts[0], dtype=float))
        start_values.append(dict(zip(names, map(float, starts[0]), strict=True)))
        value, grad = safe(x)
        evaluations += 1
        if value < 1e300:
            hess = hessian_at(x, grad)
            exact = analytic_hessian is not None
            x, value, grad, hess, steps, evals, moved = _newton(
                safe,
                hessian_at,
                x,
                value,
                grad,
                hess,
                max_steps=25 if exact else 40,
                tracker=tracker,
                refresh=exact,
            )
            iterations += steps
            evaluations += evals
            if moved and not exact:
                hess = hessian_at(x, grad)
            done = bool(np.max(np.abs(grad)) < 1e-9)
            messages.append("Newton's method from the subsample estimate")
            best_x, best_fun = x, value

    if not done:
        for start in starts:
            x0 = np.log(np.asarray(start, dtype=float))
            start_values.append(dict(zip(names, map(float, start), strict=True)))
            value0, _ = search(x0)
            if value0 >= 1e300:
                messages.append(f"start {start_values[-1]} gives a non-finite likelihood")
                continue
            res = minimize(
                search,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(x0),
                options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-10, "maxls": 50},
                callback=tracker.iteration if progress is not None else None,
            )
            iterations += int(res.nit)
            evaluations += int(res.nfev)
            messages.append(str(res.message))
            if best_x is None or res.fun < best_fun:
                best_x, best_fun = np.asarray(res.x, dtype=float), float(res.fun)
            # a start that ends at a clear optimum is enough
            if res.success and np.max(np.abs(res.jac)) < gtol and len(starts) > 1:
                break
        if best_x is None:
            raise ModelError(f"{model}: the likelihood is not finite at any starting value")
        x = best_x
        value, grad = safe(x)
        # Newton polish: L-BFGS stops on relative change; a few exact steps pin the maximum.
        hess = hessian_at(x, grad)
        x, value, grad, hess, steps, evals, _ = _newton(
            safe, hessian_at, x, value, grad, hess, max_steps=5, tracker=tracker
        )
        iterations += steps
        evaluations += evals

    if not np.all(np.isfinite(hess)):
        hess = np.full_like(hess, np.nan)
        eig = np.array([-np.inf])
    else:
        eig = np.linalg.eigvalsh(hess)
    positive = bool(eig.min() > 0)
    condition = float(eig.max() / eig.min()) if positive else float("inf")
    gnorm = float(np.max(np.abs(grad)))
    at_bound = bool(np.any(np.abs(x) >= _LOG_BOUND - 1e-6))
    converged = positive and gnorm < gtol and not at_bound and value < 1e300
    if converged:
        message = messages[-1] if messages else "converged"
    elif at_bound:
        message = "a parameter ran to the edge of the search space (model not identified)"
    elif not positive:
        message = "the Hessian is not positive definite at the optimum (not a proper maximum)"
    else:
        message = f"the gradient is not small at the optimum (max |g| = {gnorm:.3g})"
    report = ConvergenceReport(
        converged=converged,
        message=message,
        iterations=iterations,
        function_evaluations=evaluations,
        gradient_norm=gnorm,
        hessian_condition=condition,
        starts=len(start_values),
        seconds=time.perf_counter() - t0,
        start_values=start_values,
    )
    params = np.exp(x)
    if not converged:
        raise ModelError(
            f"{model} did not converge: {message}. Estimates at the last step: "
            + ", ".join(f"{n}={v:.6g}" for n, v in zip(names, params, strict=True))
        )
    # Hessian of the total negative LL in natural parameters (gradient is ~0, so the
    # chain-rule term with the gradient vanishes): H_nat = D^-1 H_log D^-1 * N.
    d_inv = np.diag(1.0 / params)
    h_nat = d_inv @ hess @ d_inv * total_weight
    try:
        cov = np.linalg.inv(h_nat)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        cov = np.full_like(h_nat, np.nan)
        se = np.full(len(params), np.nan)
    log.info("%s converged in %d iterations (%.3fs)", model, iterations, report.seconds)
    return FitResult(
        params=dict(zip(names, map(float, params), strict=True)),
        standard_errors=dict(zip(names, map(float, se), strict=True)),
        covariance=cov,
        log_likelihood=float(-value * total_weight),
        report=report,
    )
