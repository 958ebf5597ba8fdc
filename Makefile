# The two commands: `make run` brings the system up, `make test` installs what is missing and
# passes the tests. Everything else here serves those two.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages the build and the tests need (libpq and protobuf-c are the design's packages).
DEBIAN_PACKAGES := libpq-dev postgresql protobuf-compiler libprotobuf-c-dev protobuf-c-compiler gcc python3 python3-venv pkg-config pgbouncer openssl

.PHONY: containers test grpcio schemathesis browser check-layers deps build c-client deploy-check run fuzz fuzz-smoke fuzz-build bench-transport bench-store bench-finance bench-customers bench-supplychain bench-sales bench-gateway format protos check-protos

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build --build-tests

# The C partner client (libc + libprotobuf-c only), plain and sanitized for the interop tests.
c-client: deps
	$(MAKE) -C Clients/C all sanitized

# A hung test must fail the run, not hold CI until its limit: the whole run gets 45 minutes.
# The test modules run one after another, each in its own test process: all of them at once in
# one process (dozens of in-process servers, real service processes and PostgreSQL clusters on
# two cores) starved connection handshakes past their 5 s timeout.
# The shared modules first, then every other test module found under Tests/ (a new domain's
# included), the fault suite last.
SHARED_TEST_MODULES := ERPMoneyTests ERPTransportTests ERPStoreTests ERPRuntimeTests
TEST_MODULES := $(SHARED_TEST_MODULES) $(filter-out $(SHARED_TEST_MODULES) FaultTests, \
  $(sort $(notdir $(wildcard Tests/*Tests)))) FaultTests
test: check-protos fuzz-smoke build c-client grpcio schemathesis browser deploy-check check-layers
	timeout --kill-after=30s 45m bash -c 'failed=""; for module in $(TEST_MODULES); do \
	  echo "== $$module"; serial=""; case " $(SERIAL_MODULES) " in *" $$module "*) serial=--no-parallel;; esac; \
	  $(SWIFT) test --skip-build $$serial --filter "^$$module\." || failed="$$failed $$module"; \
	done; \
	echo "== through PgBouncer (transaction mode): $(PGBOUNCER_TESTS)"; \
	ERP_TEST_PGBOUNCER=1 $(SWIFT) test --skip-build --filter "$(PGBOUNCER_TESTS)" || failed="$$failed pgbouncer"; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi'

# Python's grpcio and grpcio-tools from PyPI in a virtualenv of their own (.build/grpcio), for
# the stock-gRPC-client test (GatewayTests' GRPCOverHTTP2Tests), which fails without them.
GRPCIO_PYTHON := .build/grpcio/bin/python3
grpcio: deps
	@$(GRPCIO_PYTHON) -c 'import grpc, grpc_tools' 2>/dev/null || { \
	  python3 -m venv .build/grpcio && \
	  .build/grpcio/bin/pip install --quiet --disable-pip-version-check grpcio grpcio-tools; }
# schemathesis (PyPI), which GatewayTests runs against the JSON door's /openapi.json: pinned, in
# a virtualenv of its own under .build (the test looks there, or at ERP_SCHEMATHESIS).
SCHEMATHESIS_VERSION := 4.32.5
SCHEMATHESIS_VENV := .build/schemathesis
schemathesis: deps
	@if ! $(SCHEMATHESIS_VENV)/bin/schemathesis --version 2>/dev/null | grep -q "$(SCHEMATHESIS_VERSION)"; then \
	  echo "installing schemathesis $(SCHEMATHESIS_VERSION) into $(SCHEMATHESIS_VENV)"; \
	  python3 -m venv $(SCHEMATHESIS_VENV) && \
	  $(SCHEMATHESIS_VENV)/bin/pip install -q "schemathesis==$(SCHEMATHESIS_VERSION)"; \
	fi

# The console's browser test (WebTests' BrowserTests): headless Chromium and chromedriver from
# Debian, Selenium (PyPI, pinned) in a virtualenv of its own under .build; the test runs it with
# SE_OFFLINE=true and Debian's chromedriver, so nothing is fetched at test time.
BROWSER_PACKAGES := chromium chromium-driver
SELENIUM_VERSION := 4.51.0
SELENIUM_VENV := .build/selenium
browser: deps
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(BROWSER_PACKAGES)"
	@if ! $(SELENIUM_VENV)/bin/python3 -c 'import selenium, sys; sys.exit(selenium.__version__ != "$(SELENIUM_VERSION)")' 2>/dev/null; then \
	  echo "installing selenium $(SELENIUM_VERSION) into $(SELENIUM_VENV)"; \
	  python3 -m venv $(SELENIUM_VENV) && \
	  $(SELENIUM_VENV)/bin/pip install -q --disable-pip-version-check "selenium==$(SELENIUM_VERSION)"; \
	fi

# Modules whose tests run one at a time: GatewayTests starts a whole system per test (sixty of
# them), and run at once on two cores their rate-limit and deadline checks lose their timing.
SERIAL_MODULES := GatewayTests

# The tenancy and finance tests once more with every connection through PgBouncer in transaction
# mode in front of the test cluster (ERPTestSupport's TestPgBouncer), as large installs run.
PGBOUNCER_TESTS := ^ERPStoreTests\.(TenancyTests|PgBouncerTests)|^FinanceTests\.

# Every service's image built with podman and the whole system run from deploy/compose.yaml,
# smoke-tested, a service killed and brought back by its restart policy, the single-node
# Kubernetes overlay run with podman kube play, then everything torn down (minutes; not part of
# make test). deploy/README.md says what it needs and what it does.
containers: deps
	deploy/containers.sh

# The transport's libFuzzer target (the runtime ships with the Swift toolchain) over the frame
# decoder and a server's and a client's handling of HEADERS, TRAILERS and metadata. It is a package
# of its own built with -sanitize=fuzzer into .build-fuzz. `make test` runs it for
# FUZZ_SMOKE_SECONDS from the committed corpus; `make fuzz` for FUZZ_SECONDS, keeping what it
# learns in .build-fuzz/corpus and any crashing input in .build-fuzz/crashes.
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 25
FUZZ_PACKAGE := Tests/ERPTransportFuzz
FUZZ_BUILD := $(SWIFT) build --package-path $(FUZZ_PACKAGE) --scratch-path $(CURDIR)/.build-fuzz \
  -Xswiftc -sanitize=fuzzer --product erpt-fuzz
FUZZ_RUN = mkdir -p .build-fuzz/corpus .build-fuzz/crashes && \
  "$$($(FUZZ_BUILD) --show-bin-path)/erpt-fuzz" -timeout=10 -artifact_prefix=.build-fuzz/crashes/ \
  .build-fuzz/corpus $(FUZZ_PACKAGE)/corpus

fuzz-build: deps
	$(FUZZ_BUILD)

fuzz: fuzz-build
	$(FUZZ_RUN) -max_total_time=$(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	$(FUZZ_RUN) -max_total_time=$(FUZZ_SMOKE_SECONDS)

# The deployment files, where no Docker engine exists: hadolint, the compose specification, the
# Kubernetes schemas, and every service started with the environment compose gives it.
deploy-check: build
	deploy/check.sh

# The store's benchmarks: pipelining, provisioning, 10 to 10,000 tenants, pgbench -S (minutes).
bench-store: deps
	$(SWIFT) run -c release erp-bench-store $(BENCH)

# Finance: trial balance at 1,000,000 lines vs the naive aggregate; postings vs pgbench TPC-B.
bench-finance: deps
	$(SWIFT) run -c release erp-bench-finance $(BENCH)

# Customers: import of 100,000 rows vs COPY; name search over 1,000,000 customers.
bench-customers: deps
	$(SWIFT) run -c release erp-bench-customers $(BENCH)

# Supply chain: reservations/s on one hot item vs 1,000 items vs pgbench TPC-B (a minute).
bench-supplychain: deps
	$(SWIFT) run -c release erp-bench-supplychain $(BENCH)

# Sales: confirm-order end to end across four services at concurrency 16 vs pgbench TPC-B.
bench-sales: deps
	$(SWIFT) run -c release erp-bench-sales $(BENCH)

# Gateway: Customer360 vs its slowest single call; a forwarded call vs the same call direct
# (and from the C client).
bench-gateway: deps c-client
	$(SWIFT) run -c release erp-bench-gateway $(BENCH)

# Fails when a shipping executable (a service, the gateway, erpctl) links ERPDevCluster, the
# development cluster and child-process helpers that only erp-run, tests and benchmarks may use.
check-layers: build
	python3 Tests/check-layers.py

# Regenerates Shared/ERPProtos from proto/ (builds the protoc plugins first: minutes, once).
protos: deps
	proto/generate.sh

# Fails when the committed generated code no longer matches proto/ or was edited by hand.
check-protos:
	proto/check-generated.sh

# The embedded default: a private PostgreSQL under .erp/, every built service as its own process,
# a demo tenant. Ctrl-C stops everything (erp-run stops the services, then PostgreSQL).
run: deps
	$(SWIFT) build
	exec .build/debug/erp-run

# The transport benchmark lives in its own package so its HTTP/2 comparison stays out of `make test`.
bench-transport:
	cd Benchmarks/TransportBenchmark && $(SWIFT) run -c release transport-benchmark

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Package.swift Shared Services Tests Benchmarks
