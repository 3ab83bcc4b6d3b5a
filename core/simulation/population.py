"""Populations of households for national simulations: from files, generators or a caseload.

A :class:`Population` is what the rules read (:class:`core.facts.HouseholdFacts`, one
entry per household) and a weight per household: how many real households each one
stands for (an integer, so that every total stays exact in fen).

**The file form** (CSV or Parquet, one row per *member*)::

    household_id, weight, <HOUSEHOLD_COLUMNS>, <MEMBER_COLUMNS without "household">

Rows of a household are consecutive; household columns (and the weight) are read from
its first row. Money is integer fen, flags are 0/1 (or true/false), enumerations are their
position in the model's enumeration (see ``core.facts.STAGE_CODES`` and friends), and
``age`` is -1 when unknown. :func:`write_population` writes this form and
:func:`read_population` reads it back; :func:`stream_population` reads it in chunks of
whole households, so a file larger than memory is never loaded at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import BAD_INPUT, BangfuError
from core.facts import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS, HouseholdFacts

HOUSEHOLD_ID = "household_id"
WEIGHT = "weight"
MEMBER_FIELDS = tuple(c for c in MEMBER_COLUMNS if c != "household")
FILE_COLUMNS = (HOUSEHOLD_ID, WEIGHT, *HOUSEHOLD_COLUMNS, *MEMBER_FIELDS)
BOOL_COLUMNS = {
    "dibao_recipient",
    "medical_in_catalog",
    "has_housing",
    "disaster_loss",
    "three_no",
    "migrant_worker",
    "laid_off_in_restructuring",
    "reemployment_certificate",
    "self_employed",
    "able_to_work",
    "serious_illness",
    "disabled",
    "public_school",
    "newly_admitted",
    "has_medical_insurance",
    "has_pension_insurance",
}
DEFAULT_CHUNK = 250_000  #: households per chunk when streaming
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Population:
    """Households as the rules see them, each with a weight (households it stands for)."""

    facts: HouseholdFacts
    weight: np.ndarray  #: int64, >= 0

    @property
    def size(self) -> int:
        return self.facts.size

    @classmethod
    def from_columns(
        cls,
        household: Mapping[str, np.ndarray],
        member: Mapping[str, np.ndarray],
        weight: np.ndarray | None = None,
    ) -> Population:
        facts = HouseholdFacts.from_columns(household, member)
        return cls(facts, _weights(weight, facts.size))

    def slice(self, start: int, stop: int) -> Population:
        """Households ``start`` to ``stop``, with their members."""
        return Population(slice_facts(self.facts, start, stop), self.weight[start:stop])

    def chunks(self, size: int = DEFAULT_CHUNK) -> Iterator[Population]:
        for start in range(0, self.size, size):
            yield self.slice(start, min(start + size, self.size))


# --------------------------------------------------------------------------- facts
def _is_member_field(name: str) -> bool:
    """Fields with one entry per member (``member_household``, ``member_age`` ...)."""
    return name.startswith("member_")


HOUSEHOLD_FIELDS = tuple(
    f.name
    for f in fields(HouseholdFacts)
    if f.name not in ("size", "derived") and not _is_member_field(f.name)
)
MEMBER_ARRAYS = tuple(f.name for f in fields(HouseholdFacts) if _is_member_field(f.name))


def slice_facts(facts: HouseholdFacts, start: int, stop: int) -> HouseholdFacts:
    """Households ``start`` to ``stop`` of ``facts``, their members renumbered."""
    stop = min(stop, facts.size)
    values: dict[str, Any] = {name: getattr(facts, name)[start:stop] for name in HOUSEHOLD_FIELDS}
    owner = facts.member_household
    mine = (owner >= start) & (owner < stop)
    for name in MEMBER_ARRAYS:
        values[name] = getattr(facts, name)[mine]
    values["member_household"] = owner[mine] - start
    values["derived"] = {
        k: v[start:stop] for k, v in dict(facts.derived).items() if isinstance(v, np.ndarray)
    }
    return HouseholdFacts(size=max(stop - start, 0), **values)


def concat_facts(parts: list[HouseholdFacts]) -> HouseholdFacts:
    """One batch of the households of ``parts``, in order."""
    values: dict[str, Any] = {
        name: np.concatenate([getattr(p, name) for p in parts]) for name in HOUSEHOLD_FIELDS
    }
    for name in MEMBER_ARRAYS:
        values[name] = np.concatenate([getattr(p, name) for p in parts])
    offsets = np.cumsum([0] + [p.size for p in parts[:-1]])
    values["member_household"] = np.concatenate(
        [p.member_household + off for p, off in zip(parts, offsets, strict=True)]
    )
    return HouseholdFacts(size=sum(p.size for p in parts), **values)


def _weights(weight: np.ndarray | None, n: int) -> np.ndarray:
    if weight is None:
        return np.ones(n, dtype=np.int64)
    w = np.asarray(weight)
    if w.shape != (n,):
        raise _bad(f"{len(w)} weights for {n} households", f"权重个数({len(w)})与户数({n})不一致")
    if not np.issubdtype(w.dtype, np.integer) and not np.all(np.mod(w, 1) == 0):
        raise _bad("weights must be whole numbers of households", "权重须为整数户数")
    w = w.astype(np.int64)
    if (w < 0).any():
        raise _bad("a weight is negative", "权重不能为负数")
    return w


def _bad(en: str, zh: str) -> BangfuError:
    return BangfuError(BAD_INPUT, en, zh)


# --------------------------------------------------------------------------- files
def to_rows(
    household: Mapping[str, np.ndarray],
    member: Mapping[str, np.ndarray],
    weight: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Columns of the file form (one row per member) for a columnar population."""
    owner = np.asarray(member["household"])
    n = len(household["other_annual_income"])
    w = _weights(weight, n)
    out = {HOUSEHOLD_ID: owner.astype(np.int64), WEIGHT: w[owner]}
    for name in HOUSEHOLD_COLUMNS:
        out[name] = np.asarray(household[name])[owner]
    for name in MEMBER_FIELDS:
        out[name] = np.asarray(member[name])
    return out


def write_population(
    path: str | Path,
    household: Mapping[str, np.ndarray],
    member: Mapping[str, np.ndarray],
    weight: np.ndarray | None = None,
) -> Path:
    """Write a columnar population in the file form; ``.parquet`` or ``.csv`` by suffix."""
    import pyarrow as pa

    path = Path(path)
    table = pa.table(to_rows(household, member, weight))
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path, row_group_size=500_000)
    elif path.suffix == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, path)
    else:
        raise _bad(f"{path.name}: write .csv or .parquet", f"{path.name}:仅支持 .csv 或 .parquet")
    return path


def _batches(path: Path, rows: int) -> Iterator[dict[str, np.ndarray]]:
    """Record batches of the file as numpy columns, each of about ``rows`` rows."""
    import pyarrow as pa

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            reader = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise _bad(
                f"{path.name}: not a Parquet file ({exc})", f"{path.name}:不是有效的 Parquet 文件"
            ) from None
        missing = [c for c in FILE_COLUMNS if c not in reader.schema_arrow.names]
        if missing:
            raise _missing(path, missing)
        for batch in reader.iter_batches(batch_size=rows, columns=list(FILE_COLUMNS)):
            yield _numpy(batch)
    elif path.suffix == ".csv":
        import pyarrow.csv as pcsv

        with path.open(encoding="utf-8-sig") as f:
            header = [c.strip().strip('"') for c in f.readline().strip().split(",")]
        missing = [c for c in FILE_COLUMNS if c not in header]
        if missing:
            raise _missing(path, missing)
        types = {c: (pa.bool_() if c in BOOL_COLUMNS else pa.int64()) for c in FILE_COLUMNS}
        try:
            reader = pcsv.open_csv(
                path,
                read_options=pcsv.ReadOptions(block_size=max(1 << 14, rows * 120)),
                convert_options=pcsv.ConvertOptions(
                    column_types=types,
                    include_columns=list(FILE_COLUMNS),
                    true_values=["1", "true", "True"],
                    false_values=["0", "false", "False"],
                ),
            )
            for batch in reader:
                yield _numpy(batch)
        except pa.ArrowInvalid as exc:
            text = str(exc)
            raise _bad(f"{path.name}: {text}", f"{path.name}:文件内容有误({text})") from None
    else:
        raise _bad(f"{path.name}: read .csv or .parquet", f"{path.name}:仅支持 .csv 或 .parquet")


def _missing(path: Path, missing: list[str]) -> BangfuError:
    names = ", ".join(missing)
    return _bad(f"{path.name}: missing columns {names}", f"{path.name}:缺少列 {names}")


def _numpy(batch) -> dict[str, np.ndarray]:
    out = {}
    for name in FILE_COLUMNS:
        column = batch.column(name)
        if column.null_count:
            raise _bad(f"column {name} has empty cells", f"列 {name} 有空值")
        out[name] = column.to_numpy(zero_copy_only=False)
    return out


def _population(rows: dict[str, np.ndarray]) -> Population:
    """A population of whole households from file rows (grouped by household id)."""
    ids = rows[HOUSEHOLD_ID]
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    owner = np.cumsum(np.concatenate(([False], ids[1:] != ids[:-1]))).astype(np.int64)
    household = {name: rows[name][starts] for name in HOUSEHOLD_COLUMNS}
    member = {"household": owner} | {name: rows[name] for name in MEMBER_FIELDS}
    weight = rows[WEIGHT][starts]
    return Population.from_columns(household, member, weight)


def stream_population(
    path: str | Path, chunk: int = DEFAULT_CHUNK, progress: Progress | None = None
) -> Iterator[Population]:
    """Whole households of the file, about ``chunk`` at a time; ``progress`` gets the
    number of file rows read after each batch. Memory stays bounded by the chunk."""
    path = Path(path)
    if not path.is_file():
        raise _bad(f"no population file {path}", f"找不到人口文件 {path}")
    carry: dict[str, np.ndarray] | None = None
    rows_per_batch = chunk * 3  # about three members a household
    for batch in _batches(path, rows_per_batch):
        if progress:
            progress(len(batch[HOUSEHOLD_ID]))
        if carry is not None:
            batch = {k: np.concatenate((carry[k], batch[k])) for k in batch}
        ids = batch[HOUSEHOLD_ID]
        if len(ids) == 0:
            continue
        # the last household may continue in the next batch: keep it back
        last = np.flatnonzero(ids == ids[-1])[0]
        if last > 0:
            yield _population({k: v[:last] for k, v in batch.items()})
        carry = {k: v[last:] for k, v in batch.items()}
    if carry is not None and len(carry[HOUSEHOLD_ID]):
        yield _population(carry)


def read_population(path: str | Path) -> Population:
    """The whole file as one population (for files that fit in memory)."""
    parts = list(stream_population(path))
    if not parts:
        return Population(HouseholdFacts.from_columns(*_empty()), np.zeros(0, dtype=np.int64))
    if len(parts) == 1:
        return parts[0]
    return concat(parts)


def concat(parts: list[Population]) -> Population:
    return Population(
        concat_facts([p.facts for p in parts]), np.concatenate([p.weight for p in parts])
    )


def _empty() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    household = {name: np.zeros(0, dtype=np.int64) for name in HOUSEHOLD_COLUMNS}
    member = {name: np.zeros(0, dtype=np.int64) for name in MEMBER_COLUMNS}
    for name in BOOL_COLUMNS:
        if name in household:
            household[name] = household[name].astype(bool)
        if name in member:
            member[name] = member[name].astype(bool)
    return household, member


def row_count(path: str | Path) -> int | None:
    """Rows in the file when cheap to know (Parquet metadata); None for CSV."""
    path = Path(path)
    if path.suffix == ".parquet" and path.is_file():
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowInvalid, OSError):
            return None  # reading it says what is wrong
    return None
