using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.LocalCloud.Permissions;
using AmiReplicator.Messages;

namespace AmiReplicator.LocalCloud;

public sealed record BatchOutcome(int Delivered, IReadOnlySet<string> FailedMessageIds);
