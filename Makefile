# The front door. Each target installs what is missing, configures, builds
# and runs. CMake does the real work in build/.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo bench fuzz package clean format

all: build

deps:
	@./scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@./scripts/demo $(BUILD)/cli/waypost

# The Debian package, stripped, and SHA256SUMS beside it, in $(BUILD)/dist/
# (cmake/Packaging.cmake; README.md, "Installing the package").
package: build
	@cmake --build $(BUILD) --target package

bench: build
	@WAYPOST_BENCH=1 ./scripts/install-deps
	@./scripts/bench $(BUILD)

# Each libFuzzer target runs for FUZZ_SECONDS (clang, core/ only) on its
# corpus in build-fuzz/corpus/<target>, which it grows, seeded with the
# committed tests/fuzz/corpus/<target>, which it only reads. A crashing input
# lands in build-fuzz/artifacts/, the whole output in build-fuzz/<target>.log.
# (`make test` replays the same targets briefly with g++: tests/fuzz/.)
FUZZ_SECONDS ?= 30
fuzz:
	@WAYPOST_FUZZ=1 ./scripts/install-deps
	@CXX=clang++ cmake -S . -B build-fuzz -DWAYPOST_BUILD_FUZZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@mkdir -p build-fuzz/artifacts
	@for f in build-fuzz/tests/fuzz/fuzz_*; do \
	  [ -f "$$f" ] && [ -x "$$f" ] || continue; \
	  t=$$(basename $$f); echo "== $$t"; mkdir -p build-fuzz/corpus/$$t; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -artifact_prefix=build-fuzz/artifacts/$$t- \
	    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t >build-fuzz/$$t.log 2>&1; rc=$$?; \
	  tail -n 2 build-fuzz/$$t.log; \
	  if [ $$rc -ne 0 ]; then tail -n 40 build-fuzz/$$t.log; echo "$$t failed: build-fuzz/$$t.log"; exit 1; fi; \
	done

format:
	@find core net cli tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	@rm -rf $(BUILD)
