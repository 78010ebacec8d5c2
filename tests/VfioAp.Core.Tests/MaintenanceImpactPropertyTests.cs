using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Tests;

/// <summary>
/// The guest impact Set-ApQueue, Set-ApCard and Repair-VfioApApcb show before writing equals what the kernel then
/// does, for the plans their planners make: on the random hosts of <see cref="GuestImpactPropertyTests"/>, a bind,
/// an unbind, an unbind-and-bind, a card's config or online, or the repair of every mdev (with or without the bus
/// mask) is planned from the host's snapshot, its impact computed, its writes applied to the host's kernel, and each
/// guest's APCB before and after, gains, losses and unusable APQNs compared.
/// </summary>
public class MaintenanceImpactPropertyTests
{
    private static IReadOnlyList<SysfsWrite> PlanOf(HostSnapshot host, int kind, int x, int y)
    {
        var cards = host.Cards.Select(c => c.Id).ToList();
        var queues = host.Queues.Select(q => q.Apqn).ToList();
        var apqn = queues.Count > 0 ? queues[x % queues.Count] : new Apqn(x % 8, y % 8);
        var card = cards.Count > 0 ? cards[x % cards.Count] : new ApId(x % 8);
        var part = (kind % 7) switch
        {
            0 => DeviceMaintenancePlanner.Bind(host, apqn),
            1 => DeviceMaintenancePlanner.Unbind(host, apqn),
            2 => DeviceMaintenancePlanner.Rebind(host, apqn),
            3 => DeviceMaintenancePlanner.CardConfig(host, card, y % 2 == 1),
            4 => DeviceMaintenancePlanner.CardOnline(host, card, y % 2 == 1),
            _ => null,
        };
        var parts = part != null ? new[] { part } : ApcbRepairPlanner.Plan(host, host.Mdevs, includeBusMask: kind % 7 == 6).Parts;
        return MaintenancePart.Join("property", parts, SnapshotParts.All, out _).Writes;
    }

    [Fact]
    public void The_impact_of_a_maintenance_or_repair_plan_is_what_the_kernel_then_does()
    {
        int cases = 0, lost = 0, gained = 0, unusable = 0;
        GuestImpactPropertyTests.GenCase.Select(Gen.Int[0, 6], Gen.Int[0, 63], Gen.Int[0, 63], (c, k, x, y) => (c, k, x, y)).Sample(t =>
        {
            var (l, g, u, _) = GuestImpactPropertyTests.Check(t.c, host => PlanOf(host, t.k, t.x, t.y));
            cases++;
            if (l) lost++;
            if (g) gained++;
            if (u) unusable++;
        }, iter: 150, threads: 1);
        // Not vacuous: some plans take APQNs from guests, some give them back, some leave them unusable.
        Assert.True(lost > 0 && gained > 0 && unusable > 0, $"of {cases} cases: {lost} lose, {gained} gain, {unusable} make APQNs unusable");
    }
}
