# skbridge — the two set-up commands are `make demo` and `make test`.
BUILD ?= build
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 90

.PHONY: all deps build demo test envs fuzz fuzz-build clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/apps/cli/skbridge

# Real scikit-learn environments (Debian chroots) for the live checks; a failed suite is reported
# loudly and its live checks are skipped, never passed.
envs: deps
	@tools/sklenv build || echo "make: WARNING: some scikit-learn environments failed to build; their live checks will be skipped" >&2

test: build envs fuzz-build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-build: deps
	@CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKBRIDGE_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
