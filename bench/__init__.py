"""Benchmarks: each ``bench/<area>.py`` has a ``main()`` that prints figures and ratios against the
peer its issue names, measured in the same run. ``make bench`` (``python -m bench``) runs them all;
``python -m bench AREA`` runs one."""
