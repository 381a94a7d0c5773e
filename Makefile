# kubetopo: the two commands a newcomer needs are `make serve` and `make test`.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: serve test setup setup-browser web cli test-native test-e2e bench bench-web fuzz fmt lint

## serve: build the web app and serve it with the demo cluster on http://127.0.0.1:8080
serve: setup
	trunk serve --release

## test: every test: lint, native engine tests, CLI tests, doc tests and the browser e2e tests
test: setup-browser lint test-native test-e2e

setup:
	@scripts/setup.sh

setup-browser:
	@scripts/setup.sh browser

# Benchmarks are left out on purpose: `--all-targets` would run each of them once in
# debug mode, which is slow and measures nothing. `make bench` runs them.
test-native:
	cargo test --lib --bins --tests --examples --locked
	cargo test --doc --locked

## fmt: format the code (rustfmt.toml)
fmt:
	cargo fmt --all
	cd fuzz && cargo fmt

## lint: formatting and clippy, native and wasm32, warnings are errors
lint: setup
	cargo fmt --all --check
	cd fuzz && cargo fmt --check
	cargo clippy --all-targets --locked -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --bins --locked -- -D warnings

## web: release build of the web app into dist/
web: setup
	trunk build --release

# The wasm's 600 KB brotli budget is checked first: over it, the test fails.
test-e2e: web
	node scripts/wasm-budget.mjs
	tests/e2e/run.sh

cli:
	cargo build --release --locked

bench:
	cargo bench --bench engine --bench traffic

bench-web: web
	node tests/e2e/bench.mjs

fuzz:
	scripts/fuzz.sh 300
