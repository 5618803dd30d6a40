# SchedTrace. The README's two commands: `sudo make demo` and `sudo make test`.
CONFIG ?= Release
# The native (NativeAOT) CLI that every build publishes (SchedTraceCliDir in Directory.Build.props).
CLI := out/cli/schedtrace
# The pwsh that scripts/install-deps.sh provides (its own in .tools/, or one on PATH).
PWSH := scripts/pwsh -NoProfile -NonInteractive

.PHONY: deps build demo test bench clean

deps: ## install what a fresh Debian machine lacks (clang, libbpf, pwsh, Pester, ...)
	scripts/install-deps.sh

build: deps ## the engine, BPF object, cmdlets (out/SchedTrace/<version>/), native CLI ($(CLI)), tests
	dotnet build SchedTrace.slnx -c $(CONFIG) --nologo -v quiet -clp:NoSummary\;ErrorsOnly -warnaserror

demo: build ## the main job, in pwsh: switches per CPU and the busiest processes, through the module's views
	$(PWSH) -File scripts/demo.ps1

test: build ## xunit, then Pester in a fresh pwsh; ends with "N passed, N failed" (in CI, CI=true, nothing skips)
	$(PWSH) -File build.ps1 -Test -NoBuild -Configuration $(CONFIG)

bench: build ## in-kernel cost per event against bpftrace; writes bench/results/
	scripts/install-deps.sh --bench
	bench/run.sh

clean:
	rm -rf out src/*/bin src/*/obj tests/*/bin tests/*/obj bench/*/bin bench/*/obj tools/*/bin tools/*/obj
