# The front door. Each target installs what is missing, configures, builds
# and runs. CMake does the real work in build/.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo bench fuzz clean format

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

bench: build
	@./scripts/bench $(BUILD)

# Each libFuzzer target runs for FUZZ_SECONDS (clang, core/ only).
FUZZ_SECONDS ?= 30
fuzz:
	@WAYPOST_FUZZ=1 ./scripts/install-deps
	@CXX=clang++ cmake -S . -B build-fuzz -DWAYPOST_BUILD_FUZZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/tests/fuzz/fuzz_*; do \
	  echo "== $$f"; mkdir -p build-fuzz/corpus/$$(basename $$f); \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 build-fuzz/corpus/$$(basename $$f) 2>&1 | tail -n 2 || exit 1; \
	done

format:
	@find core net cli tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	@rm -rf $(BUILD)
