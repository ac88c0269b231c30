namespace AmiReplicator.Infra.Tests;

/// <summary>
/// CloudFormation replaces a resource whose logical ID changes. For these that means a new, empty job table (the copies'
/// record and the budgets' counters gone), new queues (the requests and dead letters in them gone), a new deployment
/// parameter, and a new alarm topic (its e-mail subscription to confirm again). CDK derives a logical ID from the construct
/// path, so a refactor that moves one of them into another construct changes it: these IDs are the deployed ones.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class LogicalIdTests(SynthesizedApp app)
{
    [Theory]
    [InlineData("AWS::DynamoDB::Table", new[] { "JobsDF1CC2D4" })]
    [InlineData("AWS::SQS::Queue", new[] { "DeadLetterQueue9F481546", "RequestQueueEA127976" })]
    [InlineData("AWS::SSM::Parameter", new[] { "DeploymentParameter5581CF04" })]
    [InlineData("AWS::SNS::Topic", new[] { "AlarmsTopic3A2DFEBA" })]
    public void The_home_stacks_stateful_resources_keep_their_logical_ids(string type, string[] logicalIds) =>
        Assert.Equal(logicalIds.Order(StringComparer.Ordinal), app.MainResources(type).Keys.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("AWS::SQS::Queue", new[] { "ForwardingDeadLetterQueue2184568B" })]
    [InlineData("AWS::SNS::Topic", new[] { "AlarmsTopic3A2DFEBA" })]
    public void Each_forwarding_stacks_stateful_resources_keep_their_logical_ids(string type, string[] logicalIds)
    {
        Assert.NotEmpty(app.ForwardingJson);
        Assert.All(app.ForwardingJson.Values, template =>
            Assert.Equal(logicalIds.Order(StringComparer.Ordinal), SynthesizedApp.Resources(template, type).Keys.Order(StringComparer.Ordinal)));
    }
}
