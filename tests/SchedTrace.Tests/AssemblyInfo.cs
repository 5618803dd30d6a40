// The kernel tests compare against the kernel's own counters while workloads run; other tests
// running beside them (a headless browser render, CLI subprocesses) would steal the CPU those
// workloads are timed on. The whole suite takes seconds: run it one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The suite tests a Linux tracer against the Linux kernel.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
