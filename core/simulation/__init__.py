"""National comparison: populations, simulation, reforms, policy diff, cliffs, jobs.

* :mod:`~core.simulation.population` — weighted populations; CSV/Parquet, streamed
* :mod:`~core.simulation.synthetic` — a seeded synthetic population (illustrative wages)
* :mod:`~core.simulation.simulate` — exact totals per tenant, programme and national group
* :mod:`~core.simulation.reforms` — parameter overrides, programmes on/off, deltas, deciles
* :mod:`~core.simulation.caseload` — open files as a population, replay, trends
* :mod:`~core.simulation.diff`, :mod:`~core.simulation.cliffs` — policy diff, cliff finder
* :mod:`~core.simulation.job_kinds` — long simulations as jobs (:mod:`core.jobs`)
* :mod:`~core.simulation.distributed` — the same on a Dask cluster
* :mod:`~core.simulation.tables` — the dashboard's tables as CSV / XLSX

See ``docs/national.md``.
"""
