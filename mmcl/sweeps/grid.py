"""The grid of a sweep over the synthetic task: any configuration fields × seeds × modes, and its cells.

A *grid* (:class:`Grid`, read from YAML or JSON by :func:`load_grid`) is

.. code-block:: yaml

    name: phase-diagram          # optional label
    base: {epochs: 200}          # fields shared by every cell (defaults: the paper's Figure 1 settings)
    grid:                        # cartesian product, in this order
      n_snr2: [0.5, 1.25, 2.5]   # derived coordinates are allowed (see DERIVED)
      c_mu: [1, 3]
    cases: [{tau: 0.1}, {tau: 0.2, lr: 0.02}]   # optional: coupled assignments, multiplied with ``grid``
    seeds: 5                     # a count K (seeds 0 … K−1) or a list
    modes: [single, multi]
    dtype: float32
    record: [synchronisation]    # optional: extra per-seed results (see RECORDS)

A *cell* (:class:`Cell`) is one point of the grid in one mode, with all its seeds; its configuration comes from
:func:`resolve_config` and is :func:`canonical` for the mode. Fields that a mode never reads (modality 2 for
``single``, the augmentation for ``multi``, ``mask_rate`` for the Gaussian augmentation and ``σ_ε`` for masking) are
stored at their defaults, so equal runs are one cell (equal :attr:`Cell.key`) and are trained once. The cells are
trained by :mod:`.runner`, their results stored by :mod:`.results`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.config import MODALITY2_INITS, SyntheticConfig
from ..model.data import parse_seeds
from ..model.trainer import MODES, resolve_dtype

__all__ = [
    "DERIVED",
    "Cell",
    "Grid",
    "load_grid",
    "resolve_config",
    "canonical",
    "RECORDS",
    "config_key",
]

DERIVED = ("n_snr2", "c_mu")
"""Grid coordinates that are not configuration fields: ``n_snr2`` sets ``‖μ‖ = σ_ξ·√(n_snr2·d/n)`` (so that
``n·SNR² = n_snr2``, §2.3) and ``c_mu`` sets ``‖μ̃‖ = C_μ·‖μ‖`` (Assumption 4.1(7)); applied in this order, after
every plain field."""

_MODALITY2 = ("mu_tilde_norm", "d_tilde", "sigma_xi_tilde", "label_agreement", "sigma0_tilde")
_AUGMENTATION = ("sigma_eps", "augmentation", "mask_rate")
_GRID_KEYS = ("name", "description", "base", "grid", "cases", "seeds", "modes", "dtype", "record")
RECORDS = ("synchronisation",)
"""Extra results a grid may ask its multi-modal cells to record: ``synchronisation``, the per-neuron sign changes and
synchronisation times of Lemma D.3 (:func:`.runner.synchronisation_record`, chapter 13). They do not enter the cell's
key."""
_FLOAT_FIELDS = tuple(f.name for f in dataclasses.fields(SyntheticConfig) if "float" in str(f.type))


# -- grids ----------------------------------------------------------------------------------------------------------
def _check_assignment(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise ValueError(f"{where} must be a mapping of field names to values, got {type(values).__name__}")
    allowed = SyntheticConfig.field_names() + DERIVED
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; allowed: {list(allowed)}")
    return dict(values)


def _coordinate(assignment: Mapping[str, Any], name: str) -> float:
    value = assignment[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _as_field_value(name: str, value: Any) -> Any:
    """Integers given for float fields become floats, so that ``tau: 1`` and ``tau: 1.0`` are the same cell."""
    if name in _FLOAT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def resolve_config(assignment: Mapping[str, Any]) -> SyntheticConfig:
    """The configuration of one grid point: plain fields first, then the derived coordinates of :data:`DERIVED`."""
    for name, field in (("n_snr2", "mu_norm"), ("c_mu", "mu_tilde_norm")):
        if name in assignment and field in assignment:
            raise ValueError(f"give either {name} or {field} at a grid point, not both")
    config = SyntheticConfig.from_dict({k: _as_field_value(k, v) for k, v in assignment.items() if k not in DERIVED})
    if "n_snr2" in assignment:
        config = config.replace(
            mu_norm=config.sigma_xi * math.sqrt(_coordinate(assignment, "n_snr2") * config.d / config.n)
        )
    if "c_mu" in assignment:
        config = config.replace(mu_tilde_norm=_coordinate(assignment, "c_mu") * config.mu_norm)
    return config


def canonical(config: SyntheticConfig, mode: str) -> SyntheticConfig:
    """``config`` with the fields that ``mode`` never reads set to their defaults (equal runs, equal cells)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    default = SyntheticConfig()
    unused = list(_MODALITY2 if mode == "single" else _AUGMENTATION)
    if mode == "single":
        unused.append("mask_rate" if config.augmentation == "gaussian" else "sigma_eps")
        if config.init in MODALITY2_INITS + ("warm_single",):  # these change only the multi-modal start
            unused += ["init", "init_rho"]
    return config.replace(**{name: getattr(default, name) for name in unused})


@dataclass(frozen=True)
class Cell:
    """One grid point in one mode: ``config`` (canonical for the mode), all ``seeds``, and the grid values ``point``."""

    mode: str
    config: SyntheticConfig
    seeds: tuple[int, ...]
    dtype: str
    point: tuple[tuple[str, Any], ...]
    record: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identity of the cell's work: a hash of mode, configuration, seeds and dtype (not of ``point``)."""
        payload = {"mode": self.mode, "config": self.config.to_dict(), "seeds": list(self.seeds), "dtype": self.dtype}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]

    @property
    def config_key(self) -> str:
        """Identity of the cell's runs up to the seeds (:func:`config_key`): cells that differ only in their seeds
        share it, so a results file can hold a cell's seeds in several lines (a grid extended to more seeds)."""
        return config_key(self.mode, self.config, self.dtype)

    def with_seeds(self, seeds: Sequence[int]) -> "Cell":
        """The same cell with other seeds."""
        return dataclasses.replace(self, seeds=tuple(int(s) for s in seeds))

    @property
    def shape(self) -> tuple:
        """Cells of equal shape train in one batch."""
        c = self.config
        return (self.mode, c.n, c.d, c.dim_tilde, c.m, c.n_test, c.epochs)

    @property
    def coordinates(self) -> dict[str, Any]:
        return dict(self.point)


@dataclass(frozen=True)
class Grid:
    """A validated sweep specification (see the module docstring for the file format)."""

    base: Mapping[str, Any]
    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    cases: tuple[Mapping[str, Any], ...]
    seeds: tuple[int, ...]
    modes: tuple[str, ...]
    dtype: str = "float32"
    name: str | None = None
    description: str | None = None
    record: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "Grid":
        if not isinstance(spec, Mapping):
            raise ValueError(f"a grid must be a mapping, got {type(spec).__name__}")
        unknown = [k for k in spec if k not in _GRID_KEYS]
        if unknown:
            raise ValueError(f"unknown grid key(s) {unknown}; allowed: {list(_GRID_KEYS)}")
        base = _check_assignment(spec.get("base") or {}, "base")
        axes_spec = _check_assignment(spec.get("grid") or {}, "grid")
        axes = []
        for name, values in axes_spec.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
                raise ValueError(f"grid.{name} must be a non-empty list of values, got {values!r}")
            axes.append((name, tuple(values)))
        cases_spec = spec.get("cases") or [{}]
        if isinstance(cases_spec, Mapping) or not isinstance(cases_spec, Sequence):
            raise ValueError("cases must be a list of mappings")
        cases = tuple(_check_assignment(c, f"cases[{i}]") for i, c in enumerate(cases_spec))
        seeds = parse_seeds(spec.get("seeds", 1), distinct=True)
        modes = spec.get("modes", list(MODES))
        if isinstance(modes, str):
            modes = [modes]
        if not modes or any(m not in MODES for m in modes) or len(set(modes)) != len(modes):
            raise ValueError(f"modes must be a non-empty list drawn from {list(MODES)}, got {modes!r}")
        dtype = spec.get("dtype", "float32")
        resolve_dtype(dtype)
        record = spec.get("record") or []
        if isinstance(record, str) or any(r not in RECORDS for r in record) or len(set(record)) != len(record):
            raise ValueError(f"record must be a list drawn from {list(RECORDS)}, got {record!r}")
        grid = cls(
            base,
            tuple(axes),
            cases,
            tuple(seeds),
            tuple(modes),
            dtype,
            spec.get("name"),
            spec.get("description"),
            tuple(record),
        )
        grid.cells()  # validate every configuration now, before any training
        return grid

    def subset(
        self, seeds: Sequence[int] | None = None, cases: Sequence[int] | None = None, **axes: Sequence[Any]
    ) -> "Grid":
        """A smaller grid: some values of some axes, some of the ``cases`` (by index) and/or some of the seeds.

        Its cells are cells of this grid with fewer seeds, so their results can be compared seed by seed
        (:func:`compare`).
        """
        names = dict(self.axes)
        for name, values in axes.items():
            if name not in names:
                raise ValueError(f"{name} is not an axis of this grid; axes: {list(names)}")
            missing = [v for v in values if v not in names[name]]
            if missing or not values:
                raise ValueError(
                    f"{name}: values {missing or values!r} are not a non-empty subset of {list(names[name])}"
                )
        picked = self.cases if cases is None else tuple(self.cases[i] for i in cases)
        spec = self.to_dict() | {
            "grid": {k: list(axes.get(k, v)) for k, v in self.axes},
            "cases": [dict(c) for c in picked],
            "seeds": list(self.seeds if seeds is None else seeds),
        }
        if seeds is not None and not set(seeds) <= set(self.seeds):
            raise ValueError(f"seeds {list(seeds)} are not a subset of the grid's seeds {list(self.seeds)}")
        return Grid.from_dict(spec)

    def to_dict(self) -> dict[str, Any]:
        """The specification as plain data (what the results header stores)."""
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "base": dict(self.base),
            "grid": {k: list(v) for k, v in self.axes},
            "cases": [dict(c) for c in self.cases],
            "seeds": list(self.seeds),
            "modes": list(self.modes),
            "dtype": self.dtype,
            "record": list(self.record) or None,
        }
        return {k: v for k, v in out.items() if v is not None}

    def points(self) -> Iterator[dict[str, Any]]:
        """Every grid point as the assignment the user wrote (base, then axes, then case), in grid order."""
        names = [k for k, _ in self.axes]
        for values in itertools.product(*[v for _, v in self.axes]):
            for case in self.cases:
                yield {**self.base, **dict(zip(names, values)), **case}

    def cells(self) -> list[Cell]:
        """All cells, in grid order (point-major, then mode)."""
        out = []
        for point in self.points():
            try:
                config = resolve_config(point)
            except ValueError as exc:
                raise ValueError(f"grid point {point}: {exc}") from None
            frozen = tuple(sorted((k, _plain(v)) for k, v in point.items()))
            out.extend(
                Cell(mode, canonical(config, mode), self.seeds, self.dtype, frozen, self.record) for mode in self.modes
            )
        return out

    def unique_cells(self) -> list[Cell]:
        """:meth:`cells` with duplicates (equal keys) removed, first occurrence kept."""
        seen: set[str] = set()
        out = []
        for cell in self.cells():
            if cell.key not in seen:
                seen.add(cell.key)
                out.append(cell)
        return out

    @property
    def runs(self) -> int:
        return sum(len(c.seeds) for c in self.unique_cells())


def config_key(mode: str, config: SyntheticConfig | Mapping[str, Any], dtype: str) -> str:
    """A hash of mode, configuration and dtype: the identity of one run up to its seed.

    A run's result depends on its seed and configuration only, not on the batch it was trained in (each run draws
    from its own random streams), so a seed trained in one line of a results file stands for the same seed of
    every cell with this key. ``config`` may be a stored configuration dictionary; it is read back through
    :class:`~mmcl.model.config.SyntheticConfig`, so a field added later with its default does not change the key.
    """
    if isinstance(config, Mapping):
        config = SyntheticConfig.from_dict(dict(config))
    payload = {"mode": mode, "config": config.to_dict(), "dtype": dtype}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def load_grid(path: str | os.PathLike[str]) -> Grid:
    """Read a grid from a ``.yaml``/``.yml`` or ``.json`` file (``ValueError`` with the reason when invalid)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"grid file {path} does not exist") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path} is not valid YAML ({exc})") from None
    elif path.suffix.lower() == ".json":
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not valid JSON ({exc})") from None
    else:
        raise ValueError(f"grid file must end in .yaml, .yml or .json, got {path.name}")
    try:
        return Grid.from_dict(spec)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
