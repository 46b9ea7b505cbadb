"""sdsl_laws: speculative decoding scaling laws (the ``sdsl`` library) from Python.

Every function returns the record that the matching ``sdsl`` command prints
with ``--json``, as plain dicts and lists, computed by the same Rust code
(so the numbers are the command line's to the last digit for the same
inputs and seed):

=====================  ==================================
function               command
=====================  ==================================
``fit_loss``           ``sdsl fit loss FILE --json``
``fit_alpha``          ``sdsl fit alpha FILE --json``
``fit_latency``        ``sdsl fit latency FILE --json``
``estimate_alpha``     ``sdsl alpha estimate FILE --json``
``import_runs``        ``sdsl import FILE... --json``
``predict``            ``sdsl predict --json``
``speedup``            ``sdsl speedup --json``
``nstar_table``        ``sdsl nstar table --json``
``nstar_law``          ``sdsl nstar law --json``
``plan``               ``sdsl plan --json``
``refit``              ``sdsl refit`` (``report.json``)
=====================  ==================================

Tables are given as a path (CSV or Parquet, read by the library's readers
exactly as the command reads them), a pandas DataFrame, a mapping of column
name to sequence, or (``fit_loss``, ``fit_alpha``) as separate sequences;
numpy arrays and pandas Series are accepted wherever a sequence is.
In-memory tables are handed to the same reader as CSV text (numbers written
with ``repr``, which round-trips every float exactly), so they get the same
row and column checks; rows are numbered from 1 in input order.

Bad input raises :class:`SdslError`, a ``ValueError`` carrying the library's
message and its ``kind``, ``path``, ``row`` and ``column``. What the command
prints as a warning on stderr is issued as an :class:`SdslWarning`. Long
calls release the GIL; ``threads`` runs a call on that many threads (the
results do not depend on it).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import warnings as _warnings
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native

__version__ = _native.__version__

__all__ = [
    "SdslError",
    "SdslWarning",
    "fit_loss",
    "fit_alpha",
    "fit_latency",
    "estimate_alpha",
    "import_runs",
    "predict",
    "speedup",
    "nstar_table",
    "nstar_law",
    "plan",
    "refit",
    "to_frame",
]

PathLike = Union[str, "os.PathLike[str]"]


class SdslError(ValueError):
    """Input refused by the sdsl library.

    ``str(e)`` is the library's message (the command line's, with parameter
    names instead of flags); ``kind`` is its short name (``data``,
    ``invalid_argument``, ``unknown_name``, ...), and ``path``, ``row``
    (1-based) and ``column`` locate the bad cell when there is one.
    """

    def __init__(
        self,
        message: str,
        kind: str = "error",
        path: Optional[str] = None,
        row: Optional[int] = None,
        column: Optional[str] = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.path = path
        self.row = row
        self.column = column


class SdslWarning(UserWarning):
    """A warning of the library (the command line prints these on stderr)."""


# Labels of in-memory tables in messages (in place of a file name).
_FRAME = "DataFrame"
_COLUMNS = "columns"
_IN_MEMORY = (_FRAME, _COLUMNS)


def _call(fn, *args):
    """Calls a native function; JSON text → Python objects, library errors →
    SdslError, warnings → SdslWarning."""
    try:
        text = fn(*args)
    except _native.LibraryError as e:
        info = json.loads(e.args[0])
        message = info["message"]
        path = info["path"]
        if path in _IN_MEMORY:
            # CSV line numbers mean nothing for an in-memory table: keep the row
            message = re.sub(r" \(lines? \d+(?: and \d+)?\)", "", message)
            message = message.replace("empty cell", "missing value (None or NaN)")
        raise SdslError(
            message,
            kind=info["kind"],
            path=path,
            row=info["row"],
            column=info["column"],
        ) from None
    out = json.loads(text)
    for w in out["warnings"]:
        _warnings.warn(w, SdslWarning, stacklevel=3)
    return out["record"]


# ---------------------------------------------------------------- tables


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def _values(seq: Any, name: str) -> list:
    """A column as a Python list (numpy arrays and pandas Series included)."""
    if isinstance(seq, (str, bytes)) or not hasattr(seq, "__iter__"):
        raise SdslError(
            f"column '{name}': expected a sequence (list, tuple, numpy array, pandas Series), "
            f"got {type(seq).__name__}",
            kind="invalid_argument",
            column=name,
        )
    tolist = getattr(seq, "tolist", None)
    return list(tolist()) if callable(tolist) else list(seq)


_QUOTE = re.compile(r'[",\r\n]')


def _cell(v: Any) -> str:
    """One CSV cell. Floats are written with repr (the shortest text that
    reads back as the same float); None and NaN (pandas' missing values)
    are empty cells, which the reader reports by row and column."""
    if v is None:
        return ""
    if isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, numbers.Integral):
        text = str(int(v))
    elif isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return ""
        text = repr(f)
    else:
        text = str(v)
    if _QUOTE.search(text):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _csv(columns: Mapping[str, Any]) -> bytes:
    """CSV text of named columns of equal length."""
    names = [str(k) for k in columns]
    cols = [_values(v, str(k)) for k, v in columns.items()]
    lengths = {len(c) for c in cols}
    if len(lengths) > 1:
        sizes = ", ".join(f"{n} {len(c)}" for n, c in zip(names, cols))
        raise SdslError(
            f"columns of different lengths ({sizes}); every column needs one value per row",
            kind="invalid_argument",
        )
    lines = [",".join(_cell(n) for n in names)]
    for row in zip(*cols):
        lines.append(",".join(_cell(v) for v in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _table(data: Any, what: str):
    """(label, csv bytes or None) for a path, a DataFrame or a mapping."""
    if _is_path(data):
        return os.fspath(data), None
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):  # a pandas DataFrame
        return _FRAME, _csv({c: data[c] for c in data.columns})
    if isinstance(data, Mapping):
        return _COLUMNS, _csv(data)
    raise SdslError(
        f"{what}: expected a path (CSV or Parquet), a pandas DataFrame or a mapping of "
        f"column name to sequence, got {type(data).__name__}",
        kind="invalid_argument",
    )


def _threads(threads: Optional[int]) -> Optional[int]:
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 0:
        raise SdslError(
            f"threads = {threads!r}: a whole number ≥ 1, or None for all cores",
            kind="invalid_argument",
        )
    return int(threads)


def _count(v: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
        raise SdslError(f"{name} = {v!r}: a whole number ≥ 0", kind="invalid_argument")
    return int(v)


def _seed(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= v < 2**64:
        raise SdslError(f"seed = {v!r}: a whole number in [0, 2^64)", kind="invalid_argument")
    return int(v)


# ---------------------------------------------------------------- fits


def fit_loss(
    n: Any,
    d: Any = None,
    loss: Any = None,
    *,
    objective: str = "huber",
    delta: float = 1e-3,
    grid: str = "hoffmann",
    fix: Union[None, Mapping[str, float], Sequence[str]] = None,
    tie: Optional[str] = None,
    bootstrap: int = 0,
    seed: int = 0,
    bootstrap_start: str = "hoffmann",
    drop_highest: int = 0,
    n_col: Optional[str] = None,
    d_col: Optional[str] = None,
    loss_col: Optional[str] = None,
    threads: Optional[int] = None,
) -> dict:
    """Refit the loss law L(N, D) = E + A/N^alpha + B/D^beta (``sdsl fit loss``).

    Give either three sequences ``n`` (parameters), ``d`` (tokens) and
    ``loss``, or one table as ``n``: a path, a DataFrame or a mapping with
    columns ``N, D, loss`` or Epoch's layout ``Model Size, Training FLOP,
    loss`` (D = C/(6N)); ``n_col``, ``d_col``, ``loss_col`` name other columns.
    L-BFGS in log space from every start of Hoffmann et al.'s 4500-point
    ``grid`` (``"init"``: their single start; or ``"a=0,5;alpha=0,0.5"``),
    ``objective`` ``"huber"`` (sum of Huber_delta residuals on ln L,
    delta = 1e-3 as Hoffmann et al.), ``"huber-mle"`` or ``"lsq"``.
    ``drop_highest=K`` drops the rows with loss ≥ the K-th largest (Epoch's
    rule uses 5). ``fix={"E": 1.69}`` fixes parameters, ``tie="alpha=beta"``
    ties the exponents. ``bootstrap=B`` adds B case-resampling refits
    (replicate i seeded by (seed, i): identical on any thread count).

    Returns the ``sdsl fit loss --json`` record: ``params`` (E, A, B, alpha,
    beta), ``objective``, ``derived``, ``starts``, ``bootstrap`` (se, ci95), ...
    """
    if d is None and loss is None:
        source, csv = _table(n, "fit_loss")
    elif d is None or loss is None:
        raise SdslError(
            "fit_loss: give n, d and loss as sequences, or one table as the first argument",
            kind="invalid_argument",
        )
    else:
        source, csv = _COLUMNS, _csv({"N": n, "D": d, "loss": loss})
    if fix is None:
        fix_list: list = []
    elif isinstance(fix, Mapping):
        fix_list = [f"{k}={float(v)!r}" for k, v in fix.items()]
    else:
        fix_list = [str(f) for f in fix]
    return _call(
        _native.fit_loss,
        source,
        csv,
        n_col,
        d_col,
        loss_col,
        _count(drop_highest, "drop_highest"),
        objective,
        float(delta),
        fix_list,
        tie,
        grid,
        _count(bootstrap, "bootstrap"),
        _seed(seed),
        bootstrap_start,
        _threads(threads),
    )


def fit_alpha(
    draft: Any,
    target: Any = None,
    draft_ppl: Any = None,
    target_ppl: Any = None,
    alpha: Any = None,
    *,
    draft_family: Any = None,
    weight: Any = None,
    temperature: Optional[float] = None,
    bootstrap: int = 0,
    seed: int = 0,
    threads: Optional[int] = None,
) -> dict:
    """Fit the acceptance law alpha = A·ppl_draft + B·ppl_target + C (``sdsl fit alpha``).

    Give five sequences (draft and target names, their perplexities, the
    measured alpha; optionally ``draft_family`` and ``weight``, the n_tokens
    column), or one table as ``draft`` (a path, a DataFrame or a mapping in
    the acceptance-table schema). ``temperature=T`` fits the rows at T (a
    table mixing temperatures needs it). Returns the ``sdsl fit alpha --json``
    record: the global fit, per-target and per-family fits, the target-term
    test, cross-validation, alternative forms, bootstrap intervals.
    """
    cols = (target, draft_ppl, target_ppl, alpha)
    if all(c is None for c in cols) and draft_family is None and weight is None:
        source, csv = _table(draft, "fit_alpha")
    elif any(c is None for c in cols):
        raise SdslError(
            "fit_alpha: give draft, target, draft_ppl, target_ppl and alpha as sequences, "
            "or one table as the first argument",
            kind="invalid_argument",
        )
    else:
        columns = {
            "draft": draft,
            "target": target,
            "draft_ppl": draft_ppl,
            "target_ppl": target_ppl,
            "alpha": alpha,
        }
        if draft_family is not None:
            columns["draft_family"] = draft_family
        if weight is not None:
            columns["n_tokens"] = weight
        source, csv = _COLUMNS, _csv(columns)
    return _call(
        _native.fit_alpha,
        source,
        csv,
        None if temperature is None else float(temperature),
        _count(bootstrap, "bootstrap"),
        _seed(seed),
        _threads(threads),
    )


def fit_latency(
    data: Any,
    *,
    meta: Optional[PathLike] = None,
    mode: Optional[str] = None,
    ctx: int = 512,
    batch: int = 1,
    bootstrap: int = 1000,
    seed: int = 0,
    threads: Optional[int] = None,
) -> dict:
    """Fit the latency law t(P) and the verification ratio v(q) (``sdsl fit latency``).

    ``data`` is a latency table (a path, a DataFrame or a mapping with the
    columns ``arch, params_total, mode, q, ctx, ms_median`` and optional
    ones, see ``datasets/hardware/SOURCE.md``) or a shipped name:
    ``"h200-graph"`` / ``"h200-eager"`` (the H200 tables built into the
    package; batch > 1 uses the batched sweep, graph mode only). ``meta``
    is the hardware description (``key,value`` lines with ``device`` and
    ``memory_bytes``); for a path it defaults to the table's ``.meta``
    file when there is one. ``mode`` (``"graph"`` or ``"eager"``; default
    graph, or the shipped name's), ``ctx`` and ``batch`` pick the rows to
    fit; ``bootstrap`` resamples architectures (0 = none). Returns the
    profile that ``sdsl fit latency --json`` prints (and ``--out`` writes):
    the affine and depth-aware laws with their leave-one-architecture-out
    errors, v(q), the memory model and the bootstrap intervals.
    """
    if isinstance(data, str) and data in _native.SHIPPED_LATENCY:
        source, csv = data, None
    else:
        source, csv = _table(data, "fit_latency")
    if mode is not None and not isinstance(mode, str):
        raise SdslError(
            f"mode = {mode!r}: 'graph' or 'eager'", kind="invalid_argument"
        )
    return _call(
        _native.fit_latency,
        source,
        csv,
        None if meta is None else os.fspath(meta),
        mode,
        _count(ctx, "ctx"),
        _count(batch, "batch"),
        _count(bootstrap, "bootstrap"),
        _seed(seed),
        _threads(threads),
    )


def estimate_alpha(
    data: Any,
    *,
    kind: Optional[str] = None,
    gamma_col: Optional[str] = None,
    value_col: Optional[str] = None,
    group_cols: Optional[Sequence[str]] = None,
) -> list:
    """Acceptance rates per pair from raw measurements (``sdsl alpha estimate``).

    ``data`` is a path, a DataFrame or a mapping: per-iteration logs
    (``draft, target, gamma, accepted``: closed-form MLE with a
    likelihood-ratio interval), tau tables (``gamma, tau``) or vLLM TAR tables
    (``gamma, tar``); ``kind`` (``"logs"``, ``"tau"``, ``"tar"``) and the column
    arguments override the recognition. Returns the list of rows that
    ``sdsl alpha estimate --json`` prints (alpha, ci95, method, n, flags, and
    the grouping columns).
    """
    source, csv = _table(data, "estimate_alpha")
    return _call(
        _native.estimate_alpha,
        source,
        csv,
        kind,
        gamma_col,
        value_col,
        None if group_cols is None else [str(g) for g in group_cols],
    )


def import_runs(
    paths: Union[PathLike, Sequence[PathLike]],
    *,
    format: str = "auto",
    target: Optional[str] = None,
    draft: Optional[str] = None,
    gamma: Optional[int] = None,
    gpu: Optional[str] = None,
):
    """The runs table of serving-engine outputs (``sdsl import FILE... --json``).

    ``paths`` is one path or a sequence of them: ``vllm bench serve`` output,
    its ``--save-result`` JSON, ``vllm serve`` logs, SGLang ``bench_serving``
    output, llama-server logs, lm-eval results JSON, or a runs table
    (docs/import.md); ``format`` names the format of every file (default:
    recognised per file). ``target``, ``draft`` and ``gamma`` fill what a log
    does not print; ``gpu`` is recorded in the ``gpu`` column.

    Returns the rows ``sdsl import --json`` prints, as a pandas DataFrame
    where pandas is installed (``to_frame`` of the rows: ``alpha`` becomes
    the columns ``alpha.point``, ``alpha.ci95``, …), else as a list of dicts.
    """
    if _is_path(paths):
        paths = [paths]
    names = [os.fspath(p) for p in paths]
    if gamma is not None:
        gamma = _count(gamma, "gamma")
    rows = _call(
        _native.import_runs,
        names,
        None if format == "auto" else str(format),
        target,
        draft,
        gamma,
        gpu,
    )
    try:
        import pandas  # noqa: F401
    except ImportError:
        return rows
    return to_frame(rows)


# ---------------------------------------------------------------- N*


def predict(
    target_params: Optional[float] = None,
    target_tokens: Optional[float] = None,
    draft_tokens: Optional[float] = None,
    *,
    target: Optional[str] = None,
    draft_family: Optional[str] = None,
    loss_law: str = "besiroglu2024",
    alpha_law: str = "sdsl2026",
    cost_model: str = "params",
    registry: Optional[PathLike] = None,
) -> dict:
    """The throughput-optimal draft size N* for one target (``sdsl predict``).

    The target by size (``target_params`` M, ``target_tokens`` D_t) or by
    registry name (``target="OPT-13B"``); ``draft_family`` (e.g. ``"OPT"``)
    takes the draft tokens from the registry and evaluates the family's real
    drafts; ``draft_tokens`` overrides (default: the family's, else D_t).
    Laws are shipped names (``besiroglu2024``, ``hoffmann2022``; ``sdsl2026``)
    or law files; ``cost_model`` is ``"params"`` (c = N/M, SDSL's FLOP model:
    one forward pass costs 2·params FLOPs), ``"affine:T0,K"``, ``"fixed:C"`` or
    ``"latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]"`` (shipped
    ``h200-graph``, ``h200-eager``). The shipped laws, registry and H200
    tables are compiled in. Returns the ``sdsl predict --json`` record
    (``n_star``, ``alpha``, ``gamma_star``, ``speedup``, ``speedup_int``, ...).
    """

    def num(v, name):
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise SdslError(f"{name} = {v!r}: a number", kind="invalid_argument")
        return float(v)

    return _call(
        _native.predict,
        num(target_params, "target_params"),
        num(target_tokens, "target_tokens"),
        num(draft_tokens, "draft_tokens"),
        target,
        draft_family,
        os.fspath(loss_law),
        os.fspath(alpha_law),
        cost_model,
        None if registry is None else os.fspath(registry),
    )


def plan(
    target: Optional[str] = None,
    *,
    drafts: str,
    hardware: str,
    target_params: Optional[float] = None,
    target_tokens: Optional[float] = None,
    batch: Optional[Union[str, Sequence[int]]] = None,
    batch_mix: Optional[Union[str, Mapping[int, float]]] = None,
    alpha: Union[str, PathLike, Sequence[PathLike]] = "law",
    max_gamma: Optional[int] = None,
    loss_law: str = "besiroglu2024",
    alpha_law: str = "sdsl2026",
    registry: Optional[PathLike] = None,
) -> dict:
    """The serving plan of a target on a GPU over a batch mix (``sdsl plan --json``).

    ``target`` is a registry model (or give ``target_params`` and
    ``target_tokens``); ``drafts`` a draft family (``"OPT"``), model names
    (``"OPT-125M,OPT-350M"``) or ``"law"``; ``hardware`` what ``--hardware``
    takes (``"h200-graph"``, ``"roofline:h100-sxm"``, a latency table or
    profile file). ``batch`` is a list of batch sizes or the command's string
    (``"1,8,32"``); ``batch_mix`` a mapping batch → share of decode steps
    (normalised to 1) or the command's string (``"1:0.5,8:0.3,32:0.2"``).
    ``alpha`` is ``"law"`` or engine runs (a runs table or engine files, a
    path or a list of them): each (draft, target) pair the runs measured
    takes their α̂, the others the laws', and each row's ``alpha_source``
    says which. Returns the record of ``sdsl plan --json``
    (``recommendation``, ``rows``, ``warnings``, ...); docs/plan.md.
    """

    def num(v, name):
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise SdslError(f"{name} = {v!r}: a number", kind="invalid_argument")
        return float(v)

    if batch is not None and not isinstance(batch, str):
        batch = ",".join(str(_count(b, "batch")) for b in batch)
    if batch_mix is not None and not isinstance(batch_mix, str):
        batch_mix = ",".join(
            f"{_count(b, 'batch_mix batch')}:{num(w, 'batch_mix weight')!r}"
            for b, w in dict(batch_mix).items()
        )
    if isinstance(alpha, str) and alpha == "law":
        runs = None
    elif _is_path(alpha):
        runs = [os.fspath(alpha)]
    else:
        runs = [os.fspath(p) for p in alpha]
    if max_gamma is not None:
        max_gamma = _count(max_gamma, "max_gamma")
    return _call(
        _native.plan,
        target,
        num(target_params, "target_params"),
        num(target_tokens, "target_tokens"),
        str(drafts),
        os.fspath(hardware),
        batch,
        batch_mix,
        runs,
        max_gamma,
        os.fspath(loss_law),
        os.fspath(alpha_law),
        None if registry is None else os.fspath(registry),
    )


def speedup(alpha: float, cost_ratio: float, gamma: Optional[float] = None) -> dict:
    """Speed-up S(alpha, gamma, c) = (1 − alpha^(gamma+1)) / ((1 − alpha)(gamma·c + 1))
    (Leviathan et al. 2023), the continuous optimum gamma* and S* (Lambert W₋₁)
    and the best integer gamma (``sdsl speedup``)."""
    return _call(
        _native.speedup,
        float(alpha),
        float(cost_ratio),
        None if gamma is None else float(gamma),
    )


def nstar_table(
    *,
    loss_law: str = "besiroglu2024",
    alpha_law: str = "sdsl2026",
    cost_model: str = "params",
    registry: Optional[PathLike] = None,
) -> dict:
    """N* for every registry target × draft family (``sdsl nstar table``);
    ``to_frame(table, "rows")`` makes it a DataFrame."""
    return _call(
        _native.nstar_table,
        os.fspath(loss_law),
        os.fspath(alpha_law),
        cost_model,
        None if registry is None else os.fspath(registry),
    )


def nstar_law(
    *,
    loss_law: str = "besiroglu2024",
    alpha_law: str = "sdsl2026",
    cost_model: str = "params",
    m_min: float = 1e10,
    m_max: float = 1.2e11,
    m_count: int = 12,
    d_min: float = 1e11,
    d_max: float = 1e14,
    d_count: int = 7,
) -> dict:
    """N* on a grid of ``m_count`` log-spaced target sizes in [m_min, m_max] ×
    ``d_count`` log-spaced pre-training token counts in [d_min, d_max] (the
    draft trained on the target's D), and the lines N* = mu·M + M0 and
    N* = mu·M + lambda·ln D + M0 fitted to it by OLS (``sdsl nstar law``;
    the paper reports mu = 2.71e-3, M0 = 87M). The grid is deterministic, so
    the intervals are formal OLS quantities (see ``interval_note``). Under a
    latency cost model, grid points that do not fit one device's memory are
    left out and listed in ``beyond_memory``. ``to_frame(law,
    "grid.points")`` makes the grid a DataFrame."""
    return _call(
        _native.nstar_law,
        os.fspath(loss_law),
        os.fspath(alpha_law),
        cost_model,
        float(m_min),
        float(m_max),
        _count(m_count, "m_count"),
        float(d_min),
        float(d_max),
        _count(d_count, "d_count"),
    )


def refit(
    manifest: PathLike = "datasets/refit.toml",
    out: Optional[PathLike] = None,
    seed: Optional[int] = None,
    *,
    threads: Optional[int] = None,
    loss_table: Any = None,
) -> dict:
    """The whole refit (``sdsl refit``): every law, N* and its intervals from
    a manifest (paths in it are relative to the manifest's folder).

    ``loss_table`` replaces the manifest's loss table with one held in
    memory (a DataFrame or a mapping of columns, read with the manifest's
    column names, e.g. ``N, D, loss``) or another file; every other input
    comes from the manifest, and the report lists the table it used.

    Returns the report record (the content of ``report.json``). Writes the
    report directory (report.md, report.json, figures/) only when ``out`` is
    given, with the command's protections: ``out`` must be new, empty or a
    previous report, and it is replaced atomically. ``seed`` overrides the
    manifest's; the same manifest and seed give the same record on any
    thread count.
    """
    return _call(
        _native.refit,
        os.fspath(manifest),
        None if out is None else os.fspath(out),
        None if seed is None else _seed(seed),
        _threads(threads),
        *((None, None) if loss_table is None else _table(loss_table, "refit: loss_table")),
    )


# ---------------------------------------------------------------- frames


def to_frame(record: Any, key: Optional[str] = None):
    """A pandas DataFrame of one table of a record.

    ``key`` is a dotted path into the record (``"rows"`` of ``nstar_table``,
    ``"family_drafts"`` of ``predict``, ``"nstar.cells"`` of ``refit``,
    ``"bootstrap.estimates"`` of ``fit_loss``); without it the record itself is
    the table (``estimate_alpha``'s list of rows). A list of dicts becomes one
    row per item (nested dicts flattened to ``a.b`` columns); a dict of dicts
    one row per key; a dict of scalars one row.
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - exercised only without pandas
        raise ImportError(
            "to_frame needs pandas, which is not installed: pip install pandas "
            "(or pip install 'sdsl-laws[pandas]')"
        ) from None
    value = record
    if key:
        for part in key.split("."):
            if not isinstance(value, Mapping) or part not in value:
                known = ", ".join(value) if isinstance(value, Mapping) else type(value).__name__
                raise KeyError(f"to_frame: no '{part}' in the record (keys: {known})")
            value = value[part]
    if isinstance(value, list):
        if all(isinstance(v, Mapping) for v in value):
            return pd.json_normalize(value)
        return pd.DataFrame({key or "value": value})
    if isinstance(value, Mapping):
        if value and all(isinstance(v, Mapping) for v in value.values()):
            return pd.DataFrame.from_dict(value, orient="index")
        return pd.json_normalize(value)
    raise TypeError(
        f"to_frame: '{key}' holds a {type(value).__name__}, not a table (a list or a dict)"
    )
