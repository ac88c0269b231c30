namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// One criterion of an account's Allowed AMIs setting: an image it admits matches every condition it sets; the criteria are alternatives.
/// Only providers and names are modelled.
/// </summary>
/// <param name="ImageProviders">Account ids, or amazon, aws-marketplace, aws-backup-vault, none (the account's own images only); empty: any.</param>
/// <param name="ImageNames">Name patterns with * and ?; null or empty: any name.</param>
public sealed record AllowedImagesCriterion(IReadOnlyList<string> ImageProviders, IReadOnlyList<string>? ImageNames = null);
