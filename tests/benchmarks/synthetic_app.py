"""The application serving the 3 real regional tenants and 34 synthetic provinces, for the
``compare`` benchmark over HTTP (not part of the product).

The provinces' parameter folders are made once by the benchmark
(:func:`tests.benchmarks.bench_compare.synthetic_folder`) in the folder named by
``$BANGFU_BENCH_SYNTHETIC_DIR``; each worker builds the same registry from them and serves
it with the product's own :func:`core.api.app.create_app`::

    BANGFU_BENCH_SYNTHETIC_DIR=... uvicorn tests.benchmarks.synthetic_app:create_app --factory
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar

from core.api.app import create_app as product_app

FOLDER_ENV = "BANGFU_BENCH_SYNTHETIC_DIR"


def create_app() -> Litestar:
    from tests.benchmarks.bench_compare import REAL, synthetic_registry

    registry, _ = synthetic_registry(Path(os.environ[FOLDER_ENV]), also=REAL, build=False)
    return product_app(registry)
