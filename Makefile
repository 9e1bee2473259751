# The two commands of the README's Quick start are `make run` and `make test`.
.PHONY: run test setup build debug bench clean format

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh

build: setup
	cmake --preset release >/dev/null && cmake --build --preset release -j $$(nproc)

debug: setup
	cmake --preset debug >/dev/null && cmake --build --preset debug -j $$(nproc)

bench: build
	bench/run_all.sh

format:
	find src tests bench fuzz -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
