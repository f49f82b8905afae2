# Two commands do everything on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: help demo test lint typecheck docs unit bench bench-deps clean system-deps

help:
	@echo "make demo   - create .venv, install hedgectl[all], run 'hedgectl audit' on examples/"
	@echo "make test   - install test deps and servers, then ruff, mypy, the docs build and the whole suite"
	@echo "make bench  - run the benchmarks in bench/ (writes bench/RESULTS.md)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $@

# Wheels of the base install's dependencies and of the build backend, so the base-install test
# (tests/integration/test_base_install.py) builds a fresh venv from this checkout offline.
WHEELHOUSE := $(VENV)/wheelhouse
$(WHEELHOUSE)/.done: $(STAMP) pyproject.toml
	rm -rf $(WHEELHOUSE)
	$(BIN)/python -m pip wheel --quiet -w $(WHEELHOUSE) . 'setuptools>=69' 'setuptools-scm>=8'
	rm -f $(WHEELHOUSE)/hedgectl-*.whl
	touch $@

demo: $(STAMP)
	@echo "== hedgectl audit examples/app =="
	@$(BIN)/hedgectl audit examples/app; code=$$?; \
	if [ $$code -eq 1 ]; then echo "(exit 1: named-tier model IDs found, as expected for the sample app)"; \
	elif [ $$code -ne 0 ]; then exit $$code; fi

# Debian packages the tests use as real parts: tinyproxy (region proxies), prometheus (promtool
# checks; the server scrapes `reach serve`), chromium (the status page's browser test, driven by
# Playwright), systemd-analyze (unit files), node (JS rewrite check). Installed only when missing.
system-deps:
	@missing=""; \
	command -v tinyproxy >/dev/null || missing="$$missing tinyproxy"; \
	command -v microsocks >/dev/null || missing="$$missing microsocks"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v git >/dev/null || missing="$$missing git"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "missing system packages:$$missing (install them, or run make test as root)"; fi; \
	fi

# The Portkey gateway (npm) checks `config export --format portkey` against the real validator and
# fallback logic on loopback; skipped (and its test too) when npm is missing.
PORTKEY := $(VENV)/portkey/.installed
$(PORTKEY): $(STAMP)
	@if command -v npm >/dev/null; then mkdir -p $(VENV)/portkey && npm install --prefix $(VENV)/portkey --no-audit --no-fund --ignore-scripts --loglevel=error @portkey-ai/gateway@1.15.2 && touch $@; \
	else echo "npm missing: the Portkey gateway test will be skipped"; fi

# The TypeScript compiler (npm) type-checks what `rewrite` writes into TypeScript projects; its test is
# skipped when npm is missing.
TSC := $(VENV)/typescript/.installed
$(TSC): $(STAMP)
	@if command -v npm >/dev/null; then mkdir -p $(VENV)/typescript && npm install --prefix $(VENV)/typescript --no-audit --no-fund --ignore-scripts --loglevel=error typescript@5.6.3 && touch $@; \
	else echo "npm missing: the TypeScript rewrite check will be skipped"; fi

# Vite (npm; it brings Rollup and esbuild) builds what `rewrite` writes into browser and bundled
# projects; its test is skipped when npm is missing.
VITE := $(VENV)/vite/.installed
$(VITE): $(STAMP)
	@if command -v npm >/dev/null; then mkdir -p $(VENV)/vite && npm install --prefix $(VENV)/vite --no-audit --no-fund --ignore-scripts --loglevel=error vite@5.4.11 && touch $@; \
	else echo "npm missing: the bundler rewrite check will be skipped"; fi

# LiteLLM (PyPI, large, its own pins) loads `config export --format litellm` in its Router, in a
# virtualenv of its own so it cannot move the project's dependencies; its test is skipped without it.
LITELLM := $(VENV)/litellm/.installed
$(LITELLM): $(STAMP)
	@($(PY) -m venv $(VENV)/litellm && $(VENV)/litellm/bin/python -m pip install --quiet litellm==1.110.2 pyyaml && touch $@) \
	|| echo "LiteLLM install failed: the LiteLLM export test will be skipped"

lint: $(TEST_STAMP)
	$(BIN)/ruff check hedgectl tests bench
	$(BIN)/ruff format --check hedgectl tests bench
	$(BIN)/zizmor --offline --quiet action.yml

typecheck: $(TEST_STAMP)
	$(BIN)/mypy hedgectl

# Strict: a broken link or anchor in docs/ fails the build.
docs: $(TEST_STAMP)
	$(BIN)/mkdocs build --strict  # not --quiet: it hides the warnings strict counts

unit: $(TEST_STAMP)
	$(BIN)/pytest -q tests/unit

test: $(TEST_STAMP) $(WHEELHOUSE)/.done system-deps $(PORTKEY) $(TSC) $(VITE) $(LITELLM) lint typecheck docs
	$(BIN)/pytest -q -n 2 --dist loadgroup tests

# Tools the benchmarks compare against: ripgrep (audit), blackbox exporter (reach).
bench-deps:
	@missing=""; \
	command -v rg >/dev/null || missing="$$missing ripgrep"; \
	command -v prometheus-blackbox-exporter >/dev/null || missing="$$missing prometheus-blackbox-exporter"; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

bench: $(TEST_STAMP) system-deps bench-deps
	@for b in bench/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
