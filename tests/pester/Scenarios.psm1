# Scenario documents the tests write to files, imported by the files that use them:
#     Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
# Each is a worked example (about_VfioAp_Apcb: WORKED EXAMPLES, written as about_VfioAp_Kernel: SCENARIO FILES) or
# that example with one stated change; the expected results in the tests follow from the filter's rule
# (about_VfioAp_Apcb: THE RULE), not from the module's output.
$script:SeedJson = @'
{
  "name": "seed",
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": ["0x04", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "queues": { "05.0035": { "driver": null } },
  "mdevs": [ { "uuid": "62177883-f1bb-47f0-914d-32a22e3a8804",
               "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": [],
               "guest": null } ]
}
'@

# The seed host where, in addition, the last reset of 04.0022 failed: the kernel drops adapter 04 too, which sysfs
# does not show.
$script:ResetFailedJson = $SeedJson.Replace('"queues": { "05.0035": { "driver": null } }', '"queues": { "05.0035": { "driver": null }, "04.0022": { "resetFailed": true } }').Replace('"name": "seed"', '"name": "reset-failed"')

# The seed host on a kernel before the dynamic-configuration rework: no ap_config, no guest_matrix. All six queues
# bound (such kernels required bound queues to assign).
$script:LegacyJson = $SeedJson.Replace('"queues": { "05.0035": { "driver": null } },', '"kernel": { "apConfig": false, "guestMatrix": false },').Replace('"name": "seed"', '"name": "legacy"')

# about_VfioAp_Apcb: WORKED EXAMPLES, "An over-provisioned domain": domain 0047 is assigned but not in the host
# configuration.
$script:OverProvisionedJson = @'
{
  "name": "over-provisioned",
  "cards": [ { "id": 5, "type": "CEX8C" }, { "id": 6, "type": "CEX8C" } ],
  "hostConfig": { "adapters": [5, 6], "domains": ["0x04"] },
  "apmask": "-5,-6",
  "aqmask": "-4,-0x47",
  "mdevs": [ { "uuid": "aaaaaaaa-0000-4000-8000-000000000047", "adapters": [5, 6], "domains": ["0x04", "0x47"] } ]
}
'@

# Three libvirt guests on the seed's cards, all six queues bound: vm1 runs on mdev A (adapter 04, domains 0004 and
# 0022) and starts with the host; vm2 is shut off and its definition references mdev B (adapter 05, domains 0004 and
# 0035); vm3 has no vfio-ap device. Assigning adapter 04 to mdev B would take 04.0004, which mdev A holds.
$script:GuestsJson = @'
{
  "name": "guests",
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": ["0x04", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "mdevs": [ { "uuid": "aaaaaaaa-1111-4000-8000-000000000001", "adapters": ["0x04"], "domains": ["0x04", "0x22"] },
             { "uuid": "bbbbbbbb-2222-4000-8000-000000000002", "adapters": ["0x05"], "domains": ["0x04", "0x35"] } ],
  "guests": [ { "name": "vm1", "state": "running", "autostart": true, "mdevs": ["aaaaaaaa-1111-4000-8000-000000000001"] },
              { "name": "vm2", "state": "shut off", "mdevs": ["bbbbbbbb-2222-4000-8000-000000000002"] },
              { "name": "vm3", "state": "running" } ]
}
'@

Export-ModuleMember -Variable SeedJson, ResetFailedJson, LegacyJson, OverProvisionedJson, GuestsJson
