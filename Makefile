# SchedTrace. The README's two commands: `sudo make demo` and `sudo make test`.
CONFIG ?= Release
CLI := src/SchedTrace.Cli/bin/$(CONFIG)/net10.0/schedtrace

.PHONY: deps build demo test bench clean

deps: ## install what a fresh Debian machine lacks (clang, libbpf, ...)
	scripts/install-deps.sh

build: deps ## the engine, BPF object, cmdlets (out/SchedTrace/<version>/), CLI, tests
	dotnet build SchedTrace.slnx -c $(CONFIG) --nologo -v quiet -clp:NoSummary\;ErrorsOnly -warnaserror

demo: build ## the main job: context switches per CPU over two seconds
	$(CLI) switches --duration 2

test: build ## every test; kernel tests need root (in CI, CI=true, they never skip)
	dotnet test SchedTrace.slnx -c $(CONFIG) --no-build --nologo

bench: build ## in-kernel cost per event against bpftrace; writes bench/results/
	scripts/install-deps.sh --bench
	bench/run.sh

clean:
	rm -rf out src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj tools/*/bin tools/*/obj
