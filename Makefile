# The developer loop. `make check` before a commit (under a minute here): lint, format, types,
# layering and the tests not marked slow, on every core (pytest-xdist, set in pyproject's
# addopts). `make test` is the whole suite, as CI runs it (README). `-n 0` runs in one process.
PY := .venv/bin/python
SOURCES := stackmap tests scripts benchmarks

.PHONY: check lint test slow snapshots baselines

check: lint
	$(PY) -m pytest -q -x -m "not slow"

lint:
	.venv/bin/ruff check $(SOURCES)
	.venv/bin/ruff format --check $(SOURCES)
	.venv/bin/mypy $(SOURCES)
	.venv/bin/lint-imports

test:
	$(PY) -m pytest

slow:
	$(PY) -m pytest -m slow

# After an intended change to a screen: rewrite the terminal UI's snapshots, then look at
# the SVGs in tests/__snapshots__/ before committing them.
snapshots:
	$(PY) -m pytest tests/test_tui_snapshots.py --snapshot-update

# After an intended change to the map or the diagram: store the new screenshots, then look
# at the PNGs in tests/baselines/ before committing them.
baselines:
	STACKMAP_UPDATE_BASELINES=1 $(PY) -m pytest tests/test_pictures.py
