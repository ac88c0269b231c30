// The runtime sets process-wide environment variables (_X_AMZN_TRACE_ID, AWS_LAMBDA_RUNTIME_API in tests),
// so no two tests may run at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
