"""``python -m bench``: run benchmarks, write JSON and a Markdown table, update the README.

    python -m bench all                 every benchmark, each in its own process
    python -m bench normalize listener  only these
    python -m bench all --smoke         tiny sizes (what the test suite runs)
    python -m bench all --readme        also put the table into README.md

Results go to ``bench/results/latest.json`` and ``bench/results/latest.md`` (``--out``).
"""

from __future__ import annotations

import sys

from bench.runner import main

sys.exit(main())
