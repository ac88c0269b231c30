namespace AmiReplicator.Ec2Simulator;

/// <summary>Whether a region answers the account (regions not opted in and SCP denials refuse everything).</summary>
public enum RegionAccess
{
    Enabled,

    /// <summary>Not opted in: every call answers AuthFailure (HTTP 401).</summary>
    NotOptedIn,

    /// <summary>Denied by policy: every call answers UnauthorizedOperation (HTTP 403).</summary>
    Denied,
}
