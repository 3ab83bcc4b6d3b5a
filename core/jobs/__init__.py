"""Jobs: long work (simulations, payment runs) asked for by a request, run by a worker,
read by anyone allowed, from any server.

A request that starts a job gets its id at once; the job is a row of the ``jobs`` table
(:mod:`core.jobs.store`: kind, JSON parameters, on whose behalf, status, progress, result)
and an entry in a queue:

* PostgreSQL: procrastinate's queue in the same database (:mod:`core.jobs.postgres`),
  worked by ``bangfu jobs worker`` processes on any host (the systemd unit
  ``deploy/systemd/bangfu-jobs.service``); a job whose worker dies is given another
  attempt or failed.
* SQLite (one machine, the local demonstration): the ``jobs`` table itself
  (:mod:`core.jobs.local`), run by the serving process that queued it, in a background
  thread, or by ``bangfu jobs worker`` on the same file.

Either way every server reads a job's state from the database, so it does not matter
which server is asked, nor which host runs it. What a job can do is a fixed list of kinds
(:mod:`core.jobs.kinds`), each rebuilt by the worker from the job's parameters.
"""
