# cloudscope: `make demo` runs it on an emulated account; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
RIE       := $(GOBIN)/aws-lambda-rie
RIE_MOD   := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
PYTHON    ?= python3
FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD     := build
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags=-s\ -w

# The dashboard's chart library, copied from its npm package into the assets
# that cloudscope embeds and the stack uploads.
WEB_VENDOR := shared/dashboard/assets/vendor/chart.umd.js
# The browser tests drive Debian's chromium (playwright-core downloads no browser).
CHROMIUM   ?= chromium
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# jsii (the CDK's bridge to node) otherwise warns on every run about Node 20.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help deps demo-deps web generate screenshots build build-host test vet fmt-check bench demo serve synth deploy deploy-management cdk-bootstrap clean

help:
	@echo "make demo    start an AWS emulator, seed a demo account, serve the dashboard and API on http://127.0.0.1:8080"
	@echo "make test    every test: unit, integration (moto), artifact (aws-lambda-rie), vet and gofmt"
	@echo "make build   build/<function>/bootstrap for provided.al2023 on arm64 (and build/host/ for tests)"
	@echo "make bench   benchmarks: AWS call counts and times, bootstrap sizes"
	@echo "make deps    install the pinned test tools that are missing (moto, cfn-lint, aws-lambda-rie, chromium)"
	@echo "make web     the dashboard's npm packages, and Chart.js copied into its embedded assets"
	@echo "make generate  what is made from the resource types' files (shared/discovery): their data, the page's list, the API's enum, the README's table"
	@echo "make screenshots  the README's dashboard pictures, taken by the browser test from the demo data"
	@echo "make synth   build the functions and write the CloudFormation template to cdk.out"
	@echo "make deploy  deploy to the AWS account of your credentials (cdk deploy)"

# Installs only what is missing: a second run does nothing. The versions
# checked here are the pins of requirements-dev.txt.
PY_DEPS_OK := import importlib.metadata as m, flask, flask_cors; \
  [m.version(p) == v or exit(1) for p, v in (("moto", "5.2.1"), ("cfn-lint", "1.51.0"))]
EMULATOR_OK := import importlib.metadata as m, flask, flask_cors; m.version("moto") == "5.2.1" or exit(1)

# What the demo needs: the emulator alone (no browser, no Lambda emulator).
demo-deps:
	@$(PYTHON) -c '$(EMULATOR_OK)' 2>/dev/null || $(PYTHON) -m pip install "$$(grep '^moto' requirements-dev.txt)"
	@command -v moto_server >/dev/null || { echo "moto_server is not on PATH after installing requirements-dev.txt" >&2; exit 1; }

# What the tests need: the emulator, cfn-lint, aws-lambda-rie and chromium.
deps: demo-deps
	@$(PYTHON) -c '$(PY_DEPS_OK)' 2>/dev/null || $(PYTHON) -m pip install -r requirements-dev.txt
	@test -x $(RIE) || $(GO) install $(RIE_MOD)
	@command -v $(CHROMIUM) >/dev/null || $(SUDO) apt-get install -y --no-install-recommends chromium || \
	  { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

# npm ci writes node_modules/.package-lock.json: reinstall when the lock file changes.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(WEB_VENDOR): node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	cp node_modules/chart.js/dist/chart.umd.js node_modules/chart.js/dist/chart.umd.js.map $(dir $@)

web: $(WEB_VENDOR)

# What is made from the resource type descriptors (shared/discovery/<type>.go);
# a test fails while any of it is stale.
generate:
	$(GO) generate ./shared/resourcetypes

build:
	@for fn in $(FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_LAMBDA) -o $(BUILD)/$$fn/bootstrap ./functions/$$fn; \
	  echo "built $(BUILD)/$$fn/bootstrap (linux/arm64, $$(stat -c %s $(BUILD)/$$fn/bootstrap) bytes)"; \
	done
	@$(MAKE) --no-print-directory build-host

# Host-arch copies, which the artifact tests run under aws-lambda-rie.
build-host:
	@for fn in $(FUNCTIONS); do \
	  CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(BUILD)/host/$$fn/bootstrap ./functions/$$fn; \
	done

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi

test: deps web vet fmt-check build-host
	CLOUDSCOPE_BUILD_DIR=$(CURDIR)/$(BUILD)/host AWS_LAMBDA_RIE=$(RIE) $(GO) test -race -count=1 -timeout 20m ./...

bench: deps web build
	@echo "== bootstrap sizes (linux/arm64, stripped; goal < 15 MB)"
	@for fn in $(FUNCTIONS); do stat -c %s $(BUILD)/$$fn/bootstrap | awk -v fn=$$fn '{ printf "%-12s %6.2f MB (%d bytes)\n", fn, $$1 / 1e6, $$1 }'; done
	@echo "== benchmarks; BenchmarkDashboardViewers/<route>: 50 clients on each dashboard route over a stored scan of 25,000 resources (goal p99-ms < 1000, heap-growth-MB < 200)"
	CLOUDSCOPE_BUILD_DIR=$(CURDIR)/$(BUILD)/host AWS_LAMBDA_RIE=$(RIE) $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -benchmem ./shared/... ./cmd/...
	@echo "== cold start under aws-lambda-rie (mean of 5)"
	CLOUDSCOPE_BUILD_DIR=$(CURDIR)/$(BUILD)/host AWS_LAMBDA_RIE=$(RIE) $(GO) test -run '^$$' -bench ColdStart -benchtime 5x ./functions/...

# The template, from the CDK app run directly (no CLI needed).
synth: web build
	@mkdir -p cdk.out
	CDK_OUTDIR=$(CURDIR)/cdk.out CLOUDSCOPE_ASSET_DIR=$(CURDIR)/$(BUILD) $(GO) run ./infra
	@echo "template: cdk.out/Cloudscope.template.json"

# The pinned CDK CLI lives in .cdk/ (a dot folder, so that `go ./...` never
# walks its node_modules, which ship Go template files).
CDK := .cdk/node_modules/.bin/cdk

# Needs AWS credentials for the target account, bootstrapped once with `make cdk-bootstrap`.
deploy: web build $(CDK)
	CLOUDSCOPE_ASSET_DIR=$(CURDIR)/$(BUILD) $(CDK) deploy Cloudscope

# A delegated administrator's deployment (cloudscope:delegatedAdmin=true): the
# management account's reader and cost roles, deployed with the management
# account's credentials after make deploy, from the template make synth writes.
# READER_ROLES and COST_ROLES are make deploy's outputs ManagementReaderTrustedRoles
# and ManagementCostReaderTrustedRoles (README, Organizations).
deploy-management: synth
	aws cloudformation deploy --stack-name CloudscopeManagement --template-file cdk.out/CloudscopeManagement.template.json \
	  --capabilities CAPABILITY_NAMED_IAM --parameter-overrides ReaderTrustedRoles=$(READER_ROLES) CostReaderTrustedRoles=$(COST_ROLES)

cdk-bootstrap: $(CDK)
	$(CDK) bootstrap

$(CDK): .cdk/package.json .cdk/package-lock.json
	cd .cdk && npm ci --no-audit --no-fund
	@touch $(CDK)

# The README's pictures: the browser test, writing its screenshots where the README points.
screenshots: deps web
	CLOUDSCOPE_SCREENSHOTS=$(CURDIR)/shared/dashboard/screenshots $(GO) test -count=1 -run TestDashboardInABrowser ./cmd/cloudscope

demo: demo-deps web
	$(GO) run ./cmd/cloudscope demo

serve: web
	$(GO) run ./cmd/cloudscope serve

clean:
	rm -rf $(BUILD) cdk.out $(dir $(WEB_VENDOR))
