using System.Text.Json.Serialization;

namespace AmiReplicator.Messages;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsBatchResponse))]
[JsonSerializable(typeof(AmiStateChangeEvent))]
[JsonSerializable(typeof(CopyRequestMessage))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class MessagesJsonContext : JsonSerializerContext;
