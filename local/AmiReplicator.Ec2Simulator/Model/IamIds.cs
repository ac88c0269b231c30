using System.Security.Cryptography;
using System.Text;

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>IAM's unique ids (AIDA... for users, AROA... for roles) and STS's temporary keys, shaped as AWS shapes them.</summary>
internal static class IamIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>Stable per ARN, as a principal's unique id is stable while it exists.</summary>
    public static string UserId(string userArn) => "AIDA" + Stable(userArn);

    public static string RoleId(string roleArn) => "AROA" + Stable(roleArn);

    public static string NewSessionAccessKeyId() => "ASIA" + RandomNumberGenerator.GetString(Alphabet, 16);

    public static string NewSecret(int length) => RandomNumberGenerator.GetString(Alphabet + "abcdefghijklmnopqrstuvwxyz01890+/", length);

    private static string Stable(string arn)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(arn));
        return string.Concat(hash.Take(17).Select(b => Alphabet[b % Alphabet.Length]));
    }
}
