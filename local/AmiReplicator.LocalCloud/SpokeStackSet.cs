using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// The spoke as a service-managed StackSet with auto-deployment deploys it: into an account that joined the target's units some
/// minutes after it joined (<see cref="Delay"/>). <see cref="Deploy"/> is called as time passes
/// with the accounts of the units now; each account gets the spoke role and the forwarding of its copies' events once its delay is over.
/// </summary>
public sealed class SpokeStackSet(Ec2Simulator.Ec2Simulator simulator, TimeProvider clock, TimeSpan delay, string roleName = "AmiReplicatorSpoke")
{
    private readonly Dictionary<string, DateTimeOffset> _joined = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deployed = new(StringComparer.Ordinal);

    public TimeSpan Delay => delay;

    /// <summary>Deploys the spoke into each of <paramref name="accountsOfUnits"/> whose delay since first seen here is over; answers how many it deployed now.</summary>
    public int Deploy(IEnumerable<string> accountsOfUnits)
    {
        var now = clock.GetUtcNow();
        var deployed = 0;
        foreach (var account in accountsOfUnits)
        {
            var joined = _joined.TryGetValue(account, out var at) ? at : _joined[account] = now;
            if (now - joined >= delay && _deployed.Add(account))
            {
                simulator.Account(account).CreateRole(roleName, new RoleTrust(simulator.AccountId));
                simulator.Account(account).ForwardCopyEventsTo(simulator.AccountId);
                deployed++;
            }
        }

        return deployed;
    }
}
