"""Helpers the benches share. A bench script imports them as ``from _lib.<module> import …``:
Python puts the script's folder, ``bench/``, first on ``sys.path``. No bench imports another.

- ``databases``: the bench database (URL checks, create, wipe, migrate, data markers), COPY,
  EXPLAIN, the SQL statements a request runs;
- ``app``: the app in this process (``create_app`` with bench settings), bearer tokens, logins
  through the test client, the fake WeChat server;
- ``load``: gunicorn, HTTP requests to 127.0.0.1 and the load generators (wrk or Python);
- ``cpu``: the CPU other processes use meanwhile (the machine is shared);
- ``report``: percentiles, machine facts, progress lines;
- ``province``: the synthetic province (11 cities, N members) member_listing.py,
  feed_latency.py and compliance.py load;
- ``history``: a year of service history on the province (tasks, shifts, ~10,000,000
  records, the hours ledger's chains and heads, periods and requirements) for compliance.py;
- ``smoke``: what ``--smoke`` shares (tiny data, a few seconds; ``scripts/bench-smoke``).
"""
