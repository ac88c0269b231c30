// The JSII runtime behind Amazon.CDK.Lib is one node process that cannot take calls from several threads at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
