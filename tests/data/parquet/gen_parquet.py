"""Writes the Parquet fixtures of the shared table reader's tests
(src/ingest/table.rs, tests/fit_loss.rs): a loss table (N, D, loss) with
columns of types this build of polars cannot decode, used and unused.

The loss values follow L = 1.8 + 400/N^0.34 + 2000/D^0.28 exactly (no noise).
Run: python3 tests/data/parquet/gen_parquet.py (needs pyarrow; the outputs
are committed, so the tests do not need Python).
"""
from decimal import Decimal
import datetime
import os

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))

ns = [7e7, 1.5e8, 4e8, 1e9, 2.5e9, 6e9, 1.6e10]
ds = [5e9, 2e10, 8e10, 3e11]
rows = [(n, d, 1.8 + 400 / n**0.34 + 2000 / d**0.28) for n in ns for d in ds]
k = len(rows)
N = pa.array([int(r[0]) for r in rows], pa.int64())
D = pa.array([r[1] for r in rows], pa.float64())
L = pa.array([r[2] for r in rows], pa.float64())
unused = {
    "price": pa.array([Decimal("1.25")] * k, pa.decimal128(10, 2)),
    "tiny": pa.array([1] * k, pa.int8()),
    "day": pa.array([datetime.date(2024, 1, 1)] * k, pa.date32()),
    "tags": pa.array([[("a", 1)]] * k, pa.map_(pa.string(), pa.int32())),
}


def write(name, cols):
    pq.write_table(pa.table(cols), os.path.join(HERE, name))


# needed columns readable (int64, float64), every unreadable type unused
write("loss_unused_exotic.parquet", {"N": N, "D": D, "loss": L, **unused})
# a needed column stored as a date
write("loss_date_n.parquet", {"N": pa.array([datetime.date(2024, 1, 1)] * k, pa.date32()), "D": D, "loss": L})
# a needed column stored as a decimal
write("loss_decimal_loss.parquet", {"N": N, "D": D, "loss": pa.array([Decimal(f"{v:.6f}") for v in L.to_pylist()], pa.decimal128(12, 6))})
# a needed column stored as int8
write("loss_int8_d.parquet", {"N": N, "D": pa.array([1] * k, pa.int8()), "loss": L})
