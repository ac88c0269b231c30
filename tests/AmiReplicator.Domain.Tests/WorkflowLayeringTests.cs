using System.Reflection;
using AmiReplicator.Domain.Copying;

namespace AmiReplicator.Domain.Tests;

/// <summary>
/// The domain's floor plan holds: its workflows are grouped by concern and depend one way. Copying (dispatch, start, finish, poll,
/// cancel) may use the slots, the lifecycle and the sweep; none of those points back at copying or at one another; the
/// foundations (jobs, images, policy, observability) use only each other and the slots' records the store's contract is written in.
/// </summary>
public sealed class WorkflowLayeringTests
{
    private const string Domain = "AmiReplicator.Domain";
    private static readonly string[] Foundations = ["Jobs", "Images", "Policy", "Observability"];

    /// <summary>What each part of the domain may use besides itself.</summary>
    private static readonly Dictionary<string, string[]> MayUse = new()
    {
        ["Copying"] = [.. Foundations, "Slots", "Lifecycle", "Sweep"],
        ["Targets"] = [.. Foundations, "Sweep"],
        ["Slots"] = Foundations,
        ["Lifecycle"] = Foundations,
        ["Sweep"] = Foundations,
        ["Jobs"] = [.. Foundations, "Slots"],
        ["Images"] = Foundations,
        ["Policy"] = [.. Foundations, "Slots"],
        ["Observability"] = [.. Foundations, "Slots"],
    };

    [Fact]
    public void Every_type_of_the_domain_is_in_a_part_of_the_floor_plan()
    {
        var parts = DomainTypes().Select(Part).Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal([.. MayUse.Keys.Append("Composition").Order(StringComparer.Ordinal)], parts);
    }

    [Fact]
    public void Copying_may_use_the_slots_the_lifecycle_and_the_sweep_and_nothing_points_back()
    {
        var violations = (
            from type in DomainTypes()
            let part = Part(type)
            where MayUse.ContainsKey(part)
            from used in Uses(type)
            where used.Namespace?.StartsWith(Domain + ".", StringComparison.Ordinal) == true
            let usedPart = Part(used)
            where usedPart != part && !MayUse[part].Contains(usedPart)
            select $"{type.FullName} ({part}) uses {used.FullName} ({usedPart})").Distinct().ToList();

        Assert.Empty(violations);
    }

    [Fact]
    public void The_check_sees_a_dependency_pointing_back()
    {
        // A workflow of copying is seen in what the poller uses: the same reading finds one used from anywhere else.
        Assert.Contains(typeof(CopyStarter), Uses(typeof(CopyPoller)));
    }

    private static IEnumerable<Type> DomainTypes() =>
        typeof(CopyPoller).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith(Domain + ".", StringComparison.Ordinal) == true);

    /// <summary>The part of the floor plan a type is in: the namespace below the domain's (nested types are their parent's).</summary>
    private static string Part(Type type) => type.Namespace![(Domain.Length + 1)..].Split('.')[0];

    /// <summary>
    /// Every type a type names in its signatures and bodies: base types, interfaces, fields (a primary constructor's parameters are
    /// fields), properties, methods' parameters, returns and locals, and generic arguments of each; compiler-made state machines of
    /// its async methods included.
    /// </summary>
    private static HashSet<Type> Uses(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var named = new List<Type?> { type.BaseType };
        named.AddRange(type.GetInterfaces());
        named.AddRange(type.GetFields(all).Select(f => f.FieldType));
        named.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            named.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info)
            {
                named.Add(info.ReturnType);
            }

            named.AddRange(method.GetMethodBody()?.LocalVariables.Select(l => l.LocalType) ?? []);
        }

        var uses = new HashSet<Type>();
        foreach (var used in named.OfType<Type>().SelectMany(Unwrap))
        {
            uses.Add(used);
        }

        foreach (var nested in type.GetNestedTypes(all))
        {
            uses.UnionWith(Uses(nested));
        }

        return uses;
    }

    /// <summary>A type and the types it is made of (elements, generic arguments).</summary>
    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            return Unwrap(element);
        }

        return type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap).Prepend(type.GetGenericTypeDefinition()) : [type];
    }
}
