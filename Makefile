# kubetopo: the two commands a newcomer needs are `make serve` and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: serve test setup setup-browser build web cli test-native test-e2e bench bench-web fuzz fmt lint

## serve: build the web app and serve it with the demo cluster on http://127.0.0.1:8080
serve: setup
	trunk serve --release

## test: every test: native engine tests, CLI tests, doc tests and the browser e2e tests
test: setup-browser test-native test-e2e

setup:
	@scripts/setup.sh

setup-browser:
	@scripts/setup.sh browser

test-native:
	cargo test --all-targets --locked
	cargo test --doc --locked

## web: release build of the web app into dist/
web: setup
	trunk build --release

test-e2e: web
	tests/e2e/run.sh

cli:
	cargo build --release --locked

bench:
	cargo bench --bench engine --bench traffic

bench-web: web
	node tests/e2e/bench.mjs

fuzz:
	scripts/fuzz.sh 300
