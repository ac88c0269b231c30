using Amazon.CDK.AWS.Lambda;

namespace AmiReplicator.Infra;

/// <summary>Where each function's deployment package (a folder holding an executable <c>bootstrap</c>) comes from.</summary>
internal interface ILambdaPackages
{
    Code CodeFor(LambdaFunction function);
}
