// The service tests start server processes and train; in parallel on two shared cores they would only slow each
// other and make timing-dependent steps (a kill mid-run) less certain.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
