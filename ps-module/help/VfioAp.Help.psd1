# The text of the module's cmdlet help. Build-VfioApHelp.ps1 merges it with what the cmdlets declare (parameter
# sets, types, positions, pipeline input, aliases) into en-US/VfioAp.PowerShell.dll-Help.xml (MAML). Edit here, run
#   dotnet pwsh -NoProfile -File ps-module/help/Build-VfioApHelp.ps1
# and commit both; tests/pester/Help.Tests.ps1 fails while the XML is stale or a parameter has no description.
@{
    CommonParameters = @{
        Session       = 'The hosts to work on: sessions from New-ApSession or Get-ApSession. Several sessions are read in parallel (see -ThrottleLimit); every object written carries its ComputerName and Session, so objects piped from another VfioAp cmdlet are worked on against their own host (see -InputObject). Without -Session, the cmdlet reads this machine''s /sys and says clearly when it has no AP bus.'
        InputObject   = 'Objects from the pipeline: sessions (Get-ApSession), or any object that carries a Session property (every VfioAp output does). The host worked on is that object''s session, even when -Session is given or set in $PSDefaultParameterValues. Objects without a session leave -Session in charge.'
        ThrottleLimit = 'How many hosts are read at the same time when several sessions are given (1-1024). Each host costs one batched read whatever its size, so the whole call takes about as long as the slowest host.'
        WhatIf        = 'Shows what would be written, and changes nothing: for each host the plan in one sentence and then every sysfs write, as the echo command a shell would run with the full path, and what it does. The host is still read (one round trip) and the change checked, so a change the kernel would refuse is refused here too.'
        Confirm       = 'Asks before changing each host, showing the plan and every sysfs write. -Confirm:$false never asks.'
        LockTimeout   = 'Seconds to wait for the host''s AP configuration lock (s390-tools'' /run/lock/s390apconfig.lock, also taken by mdevctl''s ap-check callout; see about_VfioAp for where it is for other trees) while another process holds it; 0 does not wait. Meanwhile Write-Progress says "waiting for the AP configuration lock held by pid N on host H". When it runs out the change fails with VfioAp.LockTimeout naming the holder pid, and nothing is written. Ctrl+C ends a local wait at once; over SSH the remote shell waits and ends itself at the timeout, and a re-plan''s wait (its holder shell) ends at once with Ctrl+C.'
    }
    CommonDefaults = @{
        ThrottleLimit = '32'
        LockTimeout   = '30'
        Session       = 'This machine''s /sys'
    }

    'New-ApSession' = @{
        Synopsis    = 'Opens a session to a host''s AP bus: this machine, a sysfs tree, a simulated host, or a remote host over SSH.'
        Description = @(
            'New-ApSession opens the door through which every VfioAp cmdlet reads (and later changes) one host''s AP configuration. Without parameters it opens this machine''s /sys and refuses, with VfioAp.NoApBus, a machine without an AP bus. -SysfsRoot opens a directory laid out as sysfs (a tree exported from a simulated host, or a copy). -Simulation opens an in-memory simulated kernel that answers reads with the kernel''s exact text and writes with its semantics and errnos: a built-in scenario (seed, kernel-doc, large-60x85, large-256x256; Tab completes them) or a scenario JSON file (see about_VfioAp).'
            'The session is listed by Get-ApSession until Remove-ApSession closes it. Relative paths are resolved against the current PowerShell location.'
            '-HostName opens remote hosts over SSH (SSH.NET, loaded in the module''s own load context; PowerShell 7.4 or later on Windows, macOS and Linux). The host key is verified against OpenSSH''s known_hosts (plain, hashed |1| and [host]:port entries): an unknown key is refused with its SHA256 fingerprint (VfioAp.SshHostKeyUnknown) unless -AcceptNewHostKey is given, which then records it; a changed key is always refused (VfioAp.SshHostKeyChanged). The connection is kept open for every cmdlet of the session and closed by Remove-ApSession. Every read-only cmdlet is one remote command whatever the host''s size, every applied plan one more; nothing but sysfs paths, ids, masks and UUIDs reaches the remote shell, always single-quoted. The remote login shell must be POSIX-like (sh, bash, dash, ksh, zsh); the host needs only /bin/sh, cat and readlink.'
        )
        Parameters  = @{
            Simulation   = 'A built-in scenario name (seed, kernel-doc, over-provisioned, large-60x85, large-256x256; any case) or the path of a scenario JSON file; Tab completes both. An unknown name fails with VfioAp.UnknownScenario listing the built-in names; a file that is not valid fails with VfioAp.ScenarioInvalid naming the file, the line and what is wrong.'
            HostRoot     = 'A directory standing for the host''s / (a test root): sysfs at <dir>/sys, mdevctl''s definitions at <dir>/etc/mdevctl.d, libvirt''s domain files at <dir>/etc/libvirt/qemu (with autostart/) and <dir>/run/libvirt/qemu, the kernel log at <dir>/var/log/kern.log (what dmesg prints). Locally, or with -HostName the directory on the remote host. It implies -MdevctlRoot for the persistence cmdlets. -SysfsRoot <dir>/sys means the same host root; a -SysfsRoot not ending in /sys reads sysfs only (no guests). -HostRoot and -SysfsRoot together fail with VfioAp.HostRootAndSysfsRoot. Without either, a real host''s / is the host root.'
            SysfsRoot    = 'A directory laid out as sysfs, holding bus/ap and devices/ap. A path that does not exist fails with VfioAp.SysfsRootNotFound; a directory without bus/ap fails with VfioAp.NoApBus. With -HostName it is the directory on the remote host (default /sys), for example a SimFs mount there.'
            ComputerName = 'The host name that the session and every object read through it carry. Default: the scenario''s name for -Simulation, this machine''s name for -SysfsRoot, the host (with :port when not 22) for -HostName. Give distinct names to tell several simulated hosts apart.'
            Name         = 'A friendly name for Get-ApSession -Name and Remove-ApSession -Name. Default: ApSession<Id>.'
            HostName     = 'One or more remote hosts (names or addresses) to open over SSH; each becomes its own session. They are opened in parallel, so a host that does not answer costs its -ConnectTimeout, not everyone''s; a host that fails writes one error record and the others still open.'
            Port         = 'The SSH port (default 22). known_hosts names a host on another port [host]:port, as ssh does.'
            UserName     = 'The login name. Default: the user name of -Credential, else the local user''s name, as ssh does.'
            KeyFile      = 'An OpenSSH private key file (ed25519, ecdsa or rsa; PEM and PuTTY files work too). Without -KeyFile and -Credential: the keys of ssh-agent (SSH_AUTH_SOCK), then the IdentityFile lines of ssh_config, else ~/.ssh/id_ed25519, id_ecdsa and id_rsa, as ssh does. A key that cannot be used fails with VfioAp.SshKeyFileUnusable.'
            KeyPassphrase = 'The passphrase of an encrypted -KeyFile, as a SecureString (Read-Host -AsSecureString).'
            Credential   = 'User name and password for password or keyboard-interactive login. With -UseSudo the password is also given to sudo, on its standard input, never on a command line.'
            KnownHostsFile = 'The OpenSSH known_hosts file the host key is checked against. Default: ~/.ssh/known_hosts.'
            AcceptNewHostKey = 'Trusts a host key that known_hosts does not have yet and records it (hashed when the file hashes its names), like ssh''s StrictHostKeyChecking=accept-new. A key that differs from a recorded one is never accepted.'
            UseSudo      = 'Runs the remote reads and writes through sudo, for a login that is not root: sudo -n, or with -Credential sudo -S with the password on standard input. Without it, a write as a non-root user fails with EACCES and says so.'
            ConnectTimeout = 'Seconds allowed for the TCP connection, the key exchange and the login, each (default 15).'
            CommandTimeout = 'Seconds one remote command (a whole snapshot read or a whole plan) may run before it is stopped and the connection reset (default 300).'
            KeepAliveInterval = 'Seconds between SSH keepalive messages on an idle session (default 30, or ssh_config''s ServerAliveInterval), so firewalls keep it open and a dead host is noticed.'
            SshConfigFile = 'The OpenSSH client configuration to read for -HostName, instead of ~/.ssh/config followed by /etc/ssh/ssh_config (as ssh -F); "none" reads none. Honoured for the host typed (an alias): HostName, Port, User, IdentityFile (several; ~ and %d %u %h %r %p %n tokens), IdentitiesOnly, UserKnownHostsFile (several), StrictHostKeyChecking (yes/ask as always; accept-new as -AcceptNewHostKey; no/off refused with VfioAp.SshHostKeyCheckingDisabled), ProxyJump, ConnectTimeout, ServerAliveInterval, IdentityAgent. Host patterns with * ? and !, first value wins, Include with globs (relative to ~/.ssh). Match blocks are skipped with one warning naming the line. Parameters given on the command line win over the file; the session''s ComputerName is the alias typed. A line ssh would refuse fails with VfioAp.SshConfigInvalid naming file and line. ~ is $HOME (ssh itself uses the passwd entry).'
            JumpHost = 'Jump hosts as ssh -J takes them: [user@]host[:port], several comma-separated, the first connected directly; each may be an ssh_config alias. Overrides ProxyJump; "none" connects directly. Every hop''s host key is checked against known_hosts under its own name and port like the target''s, and the target''s under the target''s name. All sessions through the same hops share one connection per hop, closed with the last of them. A hop that cannot be reached, trusted or logged into fails with VfioAp.SshJumpFailed naming the hop; other hosts of the same call still open. Hops log in with keys (agent, IdentityFile, -KeyFile, default keys), never with the -Credential password.'
            ThrottleLimit = 'How many hosts of -HostName are opened at the same time (1-1024, default 32), each on a thread of its own, so opening 100 hosts does not wait for .NET''s thread pool to grow and -ConnectTimeout counts only the time a host takes to answer. The sessions are written in the order the hosts were given.'
        }
        Inputs      = @{ 'None' = 'This cmdlet does not take pipeline input.' }
        Outputs     = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'The open session: Id, Name, Kind (Local, SysfsRoot, Simulation, Ssh), ComputerName, Scenario, SysfsRoot, RoundTrips (batched reads and writes made so far), State, and for a simulation the Kernel itself.' }
        Examples    = @(
            @{
                Title   = 'Open the simulated seed host and list its queues'
                Code    = @'
$seed = New-ApSession -Simulation seed
Get-ApQueue -Session $seed
'@
                Remarks = 'The seed scenario is the worked example of the kernel review "initialize the guest apcb": adapters 04 and 05, domains 0004, 0022 and 0035 for vfio_ap, and queue 05.0035 unbound, so adapter 05 is dropped from the guest.'
            }
            @{
                Title   = 'Use one session for every cmdlet of this PowerShell session'
                Code    = @'
$PSDefaultParameterValues['*-Ap*:Session'] = New-ApSession -Simulation seed
$PSDefaultParameterValues['*-VfioAp*:Session'] = $PSDefaultParameterValues['*-Ap*:Session']
Get-VfioApApcb
'@
                Remarks = 'Afterwards no cmdlet needs -Session.'
            }
            @{
                Title   = 'Read a sysfs tree written from a simulated host'
                Code    = @'
$sim = New-ApSession -Simulation seed
[VfioAp.Core.Simulation.SysfsTreeExporter]::Export($sim.Kernel, "$HOME/seed-sysfs")
$tree = New-ApSession -SysfsRoot ~/seed-sysfs -ComputerName seed-copy
Get-ApQueue -Session $tree -Bound:$false
'@
                Remarks = 'The tree holds the same files, directories and symlinks the kernel shows, so the cmdlets read it exactly as they read /sys.'
            }
            @{
                Title   = 'Open remote hosts over SSH and read them all at once'
                Code    = @'
$hosts = New-ApSession -HostName zhost1, zhost2, zhost3 -UserName admin -KeyFile ~/.ssh/id_ed25519 -UseSudo
Get-ApQueue -Session $hosts -Bound | Group-Object ComputerName
'@
                Remarks = 'Each host is one session; the three are read in parallel, each in one SSH command. A host that is down writes one VfioAp.SshConnectFailed error record and the others'' queues still arrive. The first time, a host whose key is not in ~/.ssh/known_hosts is refused with its SHA256 fingerprint: compare it with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host, then add -AcceptNewHostKey once.'
            }
            @{
                Title   = 'Open a fleet of hosts'
                Code    = @'
$fleet = New-ApSession -HostName (Get-Content ./zhosts.txt) -KeyFile ~/.ssh/id_ed25519 -ThrottleLimit 64
Get-ApQueue -Session $fleet -ThrottleLimit 64 | Where-Object Driver -eq vfio_ap
'@
                Remarks = 'Opens up to 64 hosts at a time, each on its own thread, and reads them 64 at a time. A host that cannot be reached writes one error record; the others open and are read.'
            }
            @{
                Title   = 'Log in with a password and use it for sudo'
                Code    = @'
$cred = Get-Credential admin
$z = New-ApSession -HostName zhost1 -Port 2222 -Credential $cred -UseSudo -AcceptNewHostKey
Get-VfioApMdev -Session $z
'@
                Remarks = 'The password logs in and is given to sudo on its standard input (sudo -S), never on a command line. -AcceptNewHostKey records the host as [zhost1]:2222 in known_hosts.'
            }
            @{
                Title   = 'Use the aliases, keys and known_hosts of ~/.ssh/config'
                Code    = @'
# ~/.ssh/config:
#   Host zlpar1
#       HostName zlpar1.example.com
#       User admin
#       IdentityFile ~/.ssh/id_zlpar
#       UserKnownHostsFile ~/.ssh/known_hosts.z
New-ApSession -HostName zlpar1 -UseSudo | Get-ApQueue -Bound
'@
                Remarks = 'The session connects as ssh zlpar1 would, and its ComputerName is zlpar1. -Port, -UserName, -KeyFile or -KnownHostsFile on the command line would win over the file. With ssh-agent running (SSH_AUTH_SOCK) and no key or credential given, the agent''s keys log in and the private key never enters PowerShell; if the agent cannot be reached, VfioAp.SshAuthenticationFailed says so.'
            }
            @{
                Title   = 'Reach LPARs behind a bastion'
                Code    = @'
$z = New-ApSession -HostName zlpar1, zlpar2 -JumpHost admin@bastion.example.com:2222
Get-VfioApMdev -Session $z
'@
                Remarks = 'One connection to the bastion serves both sessions. The bastion''s key and each LPAR''s key are checked against known_hosts under their own names. ProxyJump in ~/.ssh/config does the same without -JumpHost. If the bastion is down, each host through it writes VfioAp.SshJumpFailed naming the bastion; hosts not behind it still open.'
            }
            @{
                Title   = 'Open a simulated host from a scenario file'
                Code    = 'New-ApSession -Simulation ./lab.json -ComputerName lab1'
                Remarks = 'A scenario file describes cards, the host AP configuration, apmask/aqmask, queue overrides and mdevs (about_VfioAp, SCENARIO FILES). The simulator builds the state through its own kernel write paths, so a state the kernel would refuse is refused with the entry named.'
            }
        )
        Notes       = 'A session opened on this machine''s /sys, a sysfs tree or a remote host checks for bus/ap once when it opens (one round trip). SSH errors have stable ids: VfioAp.SshHostKeyUnknown, VfioAp.SshHostKeyChanged, VfioAp.SshHostKeyRevoked, VfioAp.SshConnectFailed, VfioAp.SshTimeout, VfioAp.SshAuthenticationFailed, VfioAp.SshKeyFileUnusable, VfioAp.SshSudoFailed, VfioAp.SshConnectionLost, VfioAp.SshRemoteShellFailed, VfioAp.SshJumpFailed, VfioAp.SshConfigInvalid, VfioAp.SshHostKeyCheckingDisabled.'
        Links       = @('Get-ApSession', 'Remove-ApSession', 'about_VfioAp')
    }

    'Get-ApSession' = @{
        Synopsis    = 'Gets the open AP sessions.'
        Description = @('Get-ApSession lists the sessions opened with New-ApSession and not yet removed, all of them or by id or name. The implicit local session that cmdlets use without -Session is not listed.')
        Parameters  = @{
            Id   = 'The ids of the sessions to get. An id without a session is an error (VfioAp.SessionNotFound).'
            Name = 'The names of the sessions to get; wildcards are allowed. A name without wildcards that matches no session is an error (VfioAp.SessionNotFound).'
        }
        Inputs      = @{ 'None' = 'This cmdlet does not take pipeline input.' }
        Outputs     = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'The sessions.' }
        Examples    = @(
            @{
                Title   = 'List all sessions'
                Code    = 'Get-ApSession'
                Remarks = 'Shows Id, Name, Kind, ComputerName, RoundTrips, State and the scenario or sysfs root of each session.'
            }
            @{
                Title   = 'Read every open host at once'
                Code    = 'Get-ApSession | Get-ApQueue -Bound:$false'
                Remarks = 'The sessions bind to -Session from the pipeline and are read in parallel; the output is grouped by ComputerName.'
            }
            @{
                Title   = 'Get sessions by name'
                Code    = 'Get-ApSession -Name lab*'
                Remarks = 'Wildcards match session names, case-insensitively.'
            }
        )
        Links       = @('New-ApSession', 'Remove-ApSession')
    }

    'Remove-ApSession' = @{
        Synopsis    = 'Closes AP sessions and disposes their connections.'
        Description = @('Remove-ApSession removes sessions from the list Get-ApSession shows and disposes their transport (the simulated kernel, the sysfs tree reader or a remote connection). A removed session can no longer be used: cmdlets given it write VfioAp.SessionClosed.')
        Parameters  = @{
            InputObject = 'The sessions to remove, for example from Get-ApSession through the pipeline, or as the first positional argument. (It is not called -Session so that a $PSDefaultParameterValues[''*-Ap*:Session''] default never selects a session to remove.)'
            Id      = 'The ids of the sessions to remove.'
            Name    = 'The names of the sessions to remove; wildcards are allowed.'
            WhatIf  = 'Shows which sessions would be removed without removing them.'
            Confirm = 'Asks for confirmation before each session is removed.'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions from Get-ApSession or New-ApSession.' }
        Outputs     = @{ 'None' = 'This cmdlet writes no objects.' }
        Examples    = @(
            @{
                Title   = 'Remove every session'
                Code    = 'Get-ApSession | Remove-ApSession'
                Remarks = ''
            }
            @{
                Title   = 'Remove one session'
                Code    = @'
$lab = New-ApSession -Simulation seed -Name lab
Remove-ApSession $lab
'@
                Remarks = 'The session''s State becomes Closed; cmdlets given it write VfioAp.SessionClosed.'
            }
            @{
                Title   = 'Remove a session by id'
                Code    = 'Remove-ApSession -Id 3'
                Remarks = 'An id without a session is an error (VfioAp.SessionNotFound).'
            }
        )
        Links       = @('New-ApSession', 'Get-ApSession')
    }

    'Get-ApCard' = @{
        Synopsis    = 'Gets the AP cards (crypto adapters) of each host.'
        Description = @('Get-ApCard reads /sys/devices/ap/cardXX of each host in one batch and shows each card''s id, type (CEX8C: generation 8, CCA coprocessor), hardware type, online, config and checkstop state, functions, queue counts (all, and bound to vfio_ap), whether the card is in the host''s AP configuration, and its driver. Only cards with hwtype 10 (CEX4) or newer can be passed through (PassThroughCapable). Guests names the VMs (libvirt domains, read from their files in the same batch) whose guest APCB holds the card now (the kernel''s guest_matrix, or the prediction where the kernel does not report one), which is what maintenance of the card touches; an mdev no domain references shows by its UUID. Mdevs lists the mdevs whose matrix assigns the card, whether or not their guest holds it now.')
        Parameters  = @{
            Adapter = 'Only these adapters. Ids are read as the kernel reads them: 5 and 53 decimal, 0x35 hex, and a quoted ''035'' octal (29); ranges (4..7) and lists (4,5) work. An id above 255 or not a number fails parameter binding with the reason (VfioAp.InvalidId).'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).' }
        Outputs     = @{ 'VfioAp.Core.Model.ApCard' = 'One object per card, with ComputerName and Session.' }
        Examples    = @(
            @{
                Title   = 'List the cards of the simulated seed host'
                Code    = 'Get-ApCard -Session (New-ApSession -Simulation seed)'
                Remarks = 'Cards 04 and 05 (CEX8C); card 05 has 3 queues, 2 of them bound to vfio_ap.'
            }
            @{
                Title   = 'Cards that cannot be passed through'
                Code    = 'Get-ApCard | Where-Object PassThroughCapable -eq $false'
                Remarks = 'Cards older than CEX4 cannot be bound to vfio_ap.'
            }
            @{
                Title   = 'Which guests a card''s maintenance touches'
                Code    = 'Get-ApCard -Session (New-ApSession -Simulation kernel-doc) -Adapter 6 | Select-Object Id, Guests, Mdevs'
                Remarks = 'Card 06 is in the APCB of guest1 and guest3: deconfiguring it, or unbinding one of its queues, reaches both.'
            }
        )
        Links       = @('Get-ApQueue', 'Get-ApBusConfig', 'about_VfioAp')
    }

    'Get-ApQueue' = @{
        Synopsis    = 'Gets the AP queues (APQNs) of each host and how each stands for pass-through.'
        Description = @(
            'Get-ApQueue reads every queue device of each host in one batch (whatever the host''s size) and shows its APQN (05.0035), driver, whether it is bound to vfio_ap (Bound), online and config state, vfio_ap''s status (assigned, unassigned, in use), whether apmask/aqmask give it to the host''s default drivers (OwnedByHost), the mdev whose matrix holds it (AssignedTo), and whether it is in that mdev''s guest APCB (InGuest).'
            'The filters combine: -Adapter 5 -Bound:$false is the queues of adapter 05 that are not bound to vfio_ap.'
        )
        Parameters  = @{
            Adapter = 'Only queues of these adapters. Ids are read as the kernel reads them: 5 and 53 decimal, 0x35 hex, and a quoted ''035'' octal (29); ranges (4..7) and lists work. An unquoted 035 is read by PowerShell first and is 35. -Adapter 300 and -Adapter zz fail parameter binding with the reason (VfioAp.InvalidId).'
            Domain  = 'Only queues of these usage domains, in the same syntax as -Adapter (0x35, 53, ''065'').'
            Apqn    = 'Only these APQNs, written as sysfs names queues: adapter.domain in hex, ''05.0035''.'
            Bound   = '-Bound: only queues bound to vfio_ap. -Bound:$false: only queues that are not (unbound, or bound to a default driver).'
            Guest   = 'Only what belongs to these libvirt domains (VMs), by name with wildcards (-Guest db*). The VM of an mdev is read from libvirt''s domain files in the same batch as sysfs (no libvirtd or virsh needed). Get-VfioApGuest objects pipe in: their Guest property (the domain name) binds here.'
            Mdev    = 'Only queues in the matrix of these mdevs, by UUID in any standard form (with or without hyphens or braces, any case), or mdev objects from the pipeline.'
        }
        Inputs      = @{
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).'
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs: their Uuid binds to -Mdev, their Session to -Session.'
        }
        Outputs     = @{ 'VfioAp.Core.Model.ApQueue' = 'One object per queue, with ComputerName and Session.' }
        Examples    = @(
            @{
                Title   = 'Which queue is not bound to vfio_ap?'
                Code    = @'
Get-ApQueue -Session (New-ApSession -Simulation seed) | Where-Object Bound -eq $false
'@
                Remarks = 'On the seed host this is exactly 05.0035: it was unbound by hand, which is why adapter 05 is dropped from the guest.'
            }
            @{
                Title   = 'Queues of adapters 4 to 7 in domain 0x35'
                Code    = 'Get-ApQueue -Adapter 4..7 -Domain 0x35'
                Remarks = ''
            }
            @{
                Title   = 'The queues of each mdev'
                Code    = 'Get-VfioApMdev | Get-ApQueue'
                Remarks = 'Each mdev''s Uuid binds to -Mdev and its Session to -Session; each host is still read once.'
            }
            @{
                Title   = 'Queues assigned to an mdev but missing from its guest'
                Code    = 'Get-ApQueue | Where-Object { $_.AssignedTo -and -not $_.InGuest }'
                Remarks = 'Get-VfioApApcb explains why each is missing.'
            }
        )
        Notes       = 'Queues bound to vfio_ap have no zcrypt online attribute; Online is then derived as zcrypt does, from config and checkstop.'
        Links       = @('Get-ApCard', 'Get-VfioApApcb', 'about_VfioAp')
    }

    'Get-ApBusConfig' = @{
        Synopsis    = 'Gets the AP bus configuration of each host: apmask, aqmask, the host AP configuration and the maximum ids.'
        Description = @('Get-ApBusConfig shows who owns which APQNs and what the machine gives this Linux. An APQN belongs to the default (zcrypt) drivers when its adapter is in apmask and its domain in aqmask; every other APQN is for vfio_ap (VfioAdapters and VfioDomains show the cleared bits). HostAdapters, HostDomains and HostControlDomains are the host AP configuration (QCI), null where the kernel prints "not supported". MaxAdapterId and MaxDomainId are the largest ids the host can address. Masks show as id ranges (0x04-0x05,0x22); ToKernelString() gives the kernel''s 0x + 64 hex digits.'
            'PersistentApMask and PersistentAqMask are the masks the next boot starts the AP bus with, read in the same one batch: the kernel''s default (all ones: the host''s drivers own every APQN), else ap.apmask=/ap.aqmask= on the next boot''s kernel command line (the default zipl BLS entry''s options, else etc/zipl.conf''s default section, else /proc/cmdline), then the assignments of s390-tools'' udev rule /etc/udev/rules.d/41-ap.rules (what chzdev -t ap apmask=... -p writes). ApMaskSource and AqMaskSource say which: UdevRule, KernelCommandLine or KernelDefault. LiveIsPersistent is $false when a mask was changed live only: the next reboot takes that change back (Test-VfioApBoot -Detailed names the guests it costs).')
        Parameters  = @{}
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).' }
        Outputs     = @{ 'VfioAp.Core.Model.ApBusConfig' = 'One object per host, with ComputerName and Session.' }
        Examples    = @(
            @{
                Title   = 'What does the seed host give to vfio_ap?'
                Code    = 'Get-ApBusConfig -Session (New-ApSession -Simulation seed)'
                Remarks = 'VfioApAdapters 0x04-0x05 and VfioApDomains 0x04,0x22,0x35: the six APQNs of the worked example are for vfio_ap.'
            }
            @{
                Title   = 'The masks as the kernel prints them'
                Code    = 'Get-ApBusConfig | Format-List'
                Remarks = 'The list view adds apmask and aqmask in the kernel''s text.'
            }
        )
        Links       = @('Get-ApQueue', 'about_VfioAp')
    }

    'Get-VfioApMdev' = @{
        Synopsis    = 'Gets the vfio_ap mediated devices (mdevs) of each host.'
        Description = @('Get-VfioApMdev shows each vfio_ap mdev''s UUID, its matrix (adapters, usage domains and control domains assigned to it, and the APQNs they make), the guest matrix the kernel reports (guest_matrix; null on kernels that do not have it), whether the kernel has the atomic ap_config attribute, whether a KVM guest uses the mdev (InUse), and which libvirt domain references it: Guest (the name, or the names, active first, when several definitions do), GuestState (running, paused, shut off, ... as virsh words it; "not defined" when no domain references it) and Autostart. Adapters and domains enumerate as ids printed 0x11 and 0x0035; [int] gives the number.')
        Parameters  = @{
            Guest = 'Only what belongs to these libvirt domains (VMs), by name with wildcards (-Guest db*). The VM of an mdev is read from libvirt''s domain files in the same batch as sysfs (no libvirtd or virsh needed). Get-VfioApGuest objects pipe in: their Guest property (the domain name) binds here.'
            Mdev = 'Only these mdevs (-Uuid is its alias), by UUID in any standard form (62177883-f1bb-47f0-914d-32a22e3a8804, upper case, braces or 32 digits without hyphens). A UUID that no host has is reported once, after all hosts were read (VfioAp.MdevNotFound).'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds); objects with a Uuid or Mdev property bind to -Uuid.' }
        Outputs     = @{ 'VfioAp.Core.Model.VfioApMdev' = 'One object per mdev, with ComputerName and Session.' }
        Examples    = @(
            @{
                Title   = 'The mdev of the seed host'
                Code    = 'Get-VfioApMdev -Session (New-ApSession -Simulation seed)'
                Remarks = 'Mdev 62177883-f1bb-47f0-914d-32a22e3a8804: adapters 0x04-0x05, domains 0x04,0x22,0x35, 6 APQNs of which the guest gets 3.'
            }
            @{
                Title   = 'One mdev by UUID, in any form'
                Code    = 'Get-VfioApMdev -Uuid 62177883F1BB47F0914D32A22E3A8804'
                Remarks = ''
            }
            @{
                Title   = 'Mdevs whose guest gets fewer APQNs than assigned'
                Code    = 'Get-VfioApMdev | Where-Object { $_.GuestMatrix.ApqnCount -lt $_.ApqnCount } | Get-VfioApApcb'
                Remarks = 'Get-VfioApApcb then gives the reason for each cut.'
            }
        )
        Links       = @('Get-VfioApApcb', 'Get-ApQueue', 'about_VfioAp')
    }

    'Get-VfioApApcb' = @{
        Synopsis    = 'Gets each mdev''s guest APCB: the kernel rule''s prediction beside the kernel''s guest_matrix, with the reason for every cut.'
        Description = @(
            'Get-VfioApApcb applies the kernel''s filter (vfio_ap_mdev_filter_matrix and vfio_ap_mdev_filter_cdoms) to each mdev''s matrix and the host''s state read in one batch: adapters and domains not in the host AP configuration are cut; then, because the architecture cannot withhold a single APQN, an adapter is dropped whole when any of its queues in the remaining domains is missing, not bound, bound to another driver, or failed its last reset. Control domains are cut to the host configuration only.'
            'Each Apcb object shows the predicted Adapters, Domains, ControlDomains and Apqns, the kernel''s KernelApqns (parsed from guest_matrix; null with a "not reported by this kernel" note on kernels without it), Matches (the predicted guest_matrix text equals the kernel''s), and Dropped: every adapter, domain and control domain of the matrix the guest does not get, with Reason (AdapterNotInHostConfig, DomainNotInHostConfig, ControlDomainNotInHostConfig, QueueMissing, QueueNotBound, QueueBoundToOtherDriver, QueueResetFailed), the APQN that caused it and a Message. When the kernel dropped an adapter that the prediction keeps (all its queues are bound), the likely cause is a failed queue reset, which sysfs does not show; Dropped and Differences say so.'
        )
        Parameters  = @{
            Guest = 'Only what belongs to these libvirt domains (VMs), by name with wildcards (-Guest db*). The VM of an mdev is read from libvirt''s domain files in the same batch as sysfs (no libvirtd or virsh needed). Get-VfioApGuest objects pipe in: their Guest property (the domain name) binds here.'
            Mdev = 'Only these mdevs, by UUID in any standard form, or mdev objects from the pipeline. A UUID that no host has is reported once (VfioAp.MdevNotFound).'
        }
        Inputs      = @{
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).'
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid binds to -Mdev.'
        }
        Outputs     = @{ 'VfioAp.Core.Model.Apcb' = 'One object per mdev, with ComputerName and Session; Dropped holds VfioAp.Core.Model.ApcbDroppedEntry objects, Differences VfioAp.Core.Model.ApcbDifference objects.' }
        Examples    = @(
            @{
                Title   = 'Why does the seed guest not get adapter 05?'
                Code    = @'
$apcb = Get-VfioApApcb -Session (New-ApSession -Simulation seed)
$apcb.Apqns
$apcb.Dropped
'@
                Remarks = 'The prediction is 04.0004, 04.0022 and 04.0035, equal to the kernel''s guest_matrix (Matches is True). Adapter 05 is dropped with Reason QueueNotBound and Apqn 05.0035: that queue is not bound to any driver.'
            }
            @{
                Title   = 'Explain every mdev of every host'
                Code    = 'Get-ApSession | Get-VfioApApcb | Select-Object ComputerName, Mdev -ExpandProperty Dropped'
                Remarks = ''
            }
            @{
                Title   = 'The full comparison'
                Code    = 'Get-VfioApApcb | Format-List'
                Remarks = 'The list view shows predicted and kernel APQNs, every drop''s message and every difference.'
            }
        )
        Links       = @('Test-VfioApApcb', 'Get-VfioApMdev', 'Get-ApQueue', 'about_VfioAp')
    }

    'Get-VfioApGuest' = @{
        Synopsis    = 'Gets the libvirt domains (VMs) of each host with their vfio-ap mdevs, state and the crypto they get.'
        Description = @(
            'Get-VfioApGuest reads libvirt''s domain files in the same one batch as sysfs: the persistent definitions (/etc/libvirt/qemu/<name>.xml), the live status of running domains (/run/libvirt/qemu/<name>.xml, <domstatus state=''running''>) and the autostart links (/etc/libvirt/qemu/autostart). No libvirtd or virsh is needed; a host without these files has no guests and no error. Under a test root (New-ApSession -HostRoot) the same paths are read below it.'
            'Each object gives Name, DomainUuid, State (running, idle, paused, in shutdown, shut off, crashed, pmsuspended, as virsh words libvirt''s states), Persistent, Autostart, the vfio-ap mdevs its XML references (the live XML for a running domain), and what they give the guest: Adapters, Domains and ApqnCount from the kernel''s guest_matrix (or the prediction where the kernel does not report it). A file that cannot be read or parsed, or a vfio-ap hostdev without a usable UUID, is a warning naming the file; the rest is shown.'
        )
        Parameters  = @{
            Name     = 'Only these domains, by name with wildcards.'
            WithMdev = 'Only domains whose XML references a vfio-ap mdev.'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds); -Name is not bound from the pipeline (sessions have a Name too).' }
        Outputs     = @{ 'VfioAp.Core.Model.LibvirtGuest' = 'One object per domain, with ComputerName and Session. Piped into Get-VfioApApcb, Get-VfioApMdev, Test-VfioApApcb or Get-ApQueue, its Guest property (the name) binds to -Guest.' }
        Examples    = @(
            @{
                Title   = 'Which VM gets which crypto'
                Code    = 'Get-VfioApGuest -Session $lpar | Get-VfioApApcb'
                Remarks = 'One Apcb per mdev a domain references, with Guest set; Dropped says why an adapter is missing.'
            }
            @{
                Title   = 'The queues of the database VMs'
                Code    = 'Get-ApQueue -Session $lpar -Guest db*'
                Remarks = ''
            }
        )
        Links       = @('Get-VfioApMdev', 'Get-VfioApApcb', 'Get-ApQueue', 'New-ApSession', 'about_VfioAp')
    }

    'Test-VfioApApcb' = @{
        Synopsis    = 'Tests whether each host''s (or mdev''s) guest_matrix is what the kernel''s rule predicts.'
        Description = @('Test-VfioApApcb returns $true when the kernel''s guest_matrix equals the module''s prediction for every mdev of a host (one answer per host), or for each mdev given with -Mdev (one answer per mdev). Each answer carries ComputerName and Session (and Mdev). With -Detailed it returns an ApcbDifference object for each disagreement instead (nothing when all agree). On a kernel without guest_matrix nothing can be compared: the cmdlet writes VfioAp.GuestMatrixNotReported instead of guessing. Made for Pester runbooks: Test-VfioApApcb | Should -BeTrue.')
        Parameters  = @{
            Guest    = 'Only what belongs to these libvirt domains (VMs), by name with wildcards (-Guest db*). The VM of an mdev is read from libvirt''s domain files in the same batch as sysfs (no libvirtd or virsh needed). Get-VfioApGuest objects pipe in: their Guest property (the domain name) binds here.'
            Mdev     = 'Test only these mdevs, one answer each, by UUID in any standard form or mdev objects from the pipeline. A UUID that no host has is reported once (VfioAp.MdevNotFound).'
            Detailed = 'Return an ApcbDifference (Mdev, Adapter or Domain, InKernel, InPrediction, LikelyCause, Message) for each disagreement instead of $true or $false.'
        }
        Inputs      = @{
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).'
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid binds to -Mdev.'
        }
        Outputs     = @{
            'System.Boolean' = '$true or $false per host, or per mdev with -Mdev.'
            'VfioAp.Core.Model.ApcbDifference' = 'With -Detailed: one object per disagreement.'
        }
        Examples    = @(
            @{
                Title   = 'A runbook check'
                Code    = @'
Describe 'crypto pass-through' {
    It 'every guest gets what the kernel rule gives' {
        Test-VfioApApcb -Session (New-ApSession -Simulation seed) | Should -BeTrue
    }
}
'@
                Remarks = 'On the seed host the kernel''s guest_matrix is the predicted 04.0004, 04.0022, 04.0035.'
            }
            @{
                Title   = 'What differs, on every host'
                Code    = 'Get-ApSession | Test-VfioApApcb -Detailed'
                Remarks = 'A kernel that dropped an adapter whose queues are all bound shows up with LikelyCause QueueResetFailed.'
            }
        )
        Links       = @('Get-VfioApApcb', 'about_VfioAp')
    }

    'Export-VfioApMdev' = @{
        Synopsis    = 'Writes mdevs as mdevctl definitions (optionally into the host''s mdevctl directory), libvirt node-device XML or the guest''s hostdev element.'
        Description = @(
            'Export-VfioApMdev reads each host once and writes the live matrix of its mdevs in the formats the host''s other tools use. MdevctlJson (default) is mdevctl''s own JSON: to the pipeline and to a file it is the list form that mdevctl list --defined --dumpjson prints (one document per host, UUIDs and parent included); into an existing directory it is one definition file per mdev named by its UUID, as mdevctl keeps them under /etc/mdevctl.d/matrix and as mdevctl define --jsonfile reads them. Attributes are assign_adapter, assign_domain and assign_control_domain in ascending order with 0x ids (the kernel reads a zero-padded 035 as octal), which every vfio_ap kernel accepts.'
            'NodeDeviceXml is libvirt''s node-device XML for virsh nodedev-define (parent ap_matrix, capability type mdev with type vfio_ap-passthrough, uuid and the same ordered attrs). HostdevXml is the <hostdev mode=''subsystem'' type=''mdev'' managed=''no'' model=''vfio-ap''> element that gives the mdev to a guest in its domain XML.'
            '-Persist writes the definitions into the host''s mdevctl directory so mdevctl re-creates the mdevs at boot: an existing definition keeps its fields and attributes that this module does not know, and its start mode unless -Start is given; each file is written to a temporary name beside it and renamed over the old one, so mdevctl never reads half a file; a file that already holds the text is left alone. -WhatIf lists every directory and file operation. Over an SSH session the files are read and written in one script each; a simulated host has no mdevctl directory of its own and needs -MdevctlRoot.'
        )
        Parameters  = @{
            Mdev        = 'The mdevs to export (-Uuid is its alias), by UUID in any standard form, or mdev objects from Get-VfioApMdev (their Uuid binds by property name). Default: every mdev of the host. A UUID no host has is reported once (VfioAp.MdevNotFound).'
            Session     = 'The hosts whose mdevs are exported; objects from Get-VfioApMdev bind their Session by property name. Hosts are read one after the other, one batched read each. Without -Session, this machine''s /sys.'
            Format      = 'MdevctlJson (default), NodeDeviceXml or HostdevXml.'
            Path        = 'Where to write instead of the pipeline: an existing directory gets one file per mdev (the UUID for MdevctlJson, mdev_<uuid>_matrix.xml for NodeDeviceXml, hostdev-<uuid>.xml for HostdevXml); any other path is one file holding all mdevs of one host. Relative paths are resolved against the current location.'
            NoClobber   = 'With -Path: do not overwrite a file that exists (VfioAp.ExportFailed).'
            Persist     = 'Write mdevctl definitions into the host''s mdevctl directory (<MdevctlRoot>/etc/mdevctl.d/matrix/<uuid>). Fails with VfioAp.MdevctlNotInstalled when the directory does not exist, and with VfioAp.MdevctlRootRequired for a simulated host without -MdevctlRoot.'
            MdevctlRoot = 'mdevctl''s root on the host, as mdevctl''s own MDEVCTL_ENV_ROOT: definitions live in <root>/etc/mdevctl.d. Default: / (for a -SysfsRoot session whose tree is <dir>/sys: <dir>).'
            Start       = 'mdevctl''s start mode: Auto (re-create the mdev when its parent appears, i.e. at boot) or Manual (only on mdevctl start). Default: an existing definition keeps its own; a new one is Auto with -Persist and Manual otherwise (mdevctl''s default).'
            PassThru    = 'With -Path: write the files as FileInfo objects. With -Persist: write the PersistOperation objects that were carried out.'
            InputObject = 'Pipeline input: an mdev from Get-VfioApMdev (its Uuid and the host it came from select what is exported) or a session (every mdev of that host).'
            WhatIf      = 'Show every file and directory operation (-Persist) or file write (-Path) without doing it.'
            Confirm     = 'Ask before each file and directory operation.'
        }
        Defaults    = @{ Format = 'MdevctlJson'; MdevctlRoot = '/'; Session = 'This machine''s /sys' }
        Inputs      = @{
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid and Session bind by property name.'
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions: export every mdev of each.'
        }
        Outputs     = @{
            'System.String' = 'Without -Path and -Persist: the documents (one MdevctlJson list per host, one XML document per mdev), each with ComputerName and Session.'
            'System.IO.FileInfo' = 'With -Path -PassThru: the files written.'
            'VfioAp.Core.Persistence.PersistOperation' = 'With -Persist -PassThru: each directory and file operation done (Kind, Path, Uuid, Content).'
        }
        Examples    = @(
            @{
                Title   = 'Make the mdevs of a host survive a reboot'
                Code    = 'Get-VfioApMdev | Export-VfioApMdev -Persist -WhatIf'
                Remarks = 'Lists the files it would write under /etc/mdevctl.d/matrix; without -WhatIf it writes them (start auto), and mdevctl re-creates the mdevs at boot.'
            }
            @{
                Title   = 'Give a guest its crypto mdev in libvirt'
                Code    = @'
$mdev = Get-VfioApMdev -Uuid 62177883-f1bb-47f0-914d-32a22e3a8804
$mdev | Export-VfioApMdev -Format NodeDeviceXml -Path ./crypto-mdev.xml
$mdev | Export-VfioApMdev -Format HostdevXml
'@
                Remarks = 'virsh nodedev-define ./crypto-mdev.xml defines the mdev in libvirt; the hostdev element goes into the guest''s <devices> (virsh edit guest).'
            }
            @{
                Title   = 'Keep the definitions of a simulated host in a test root'
                Code    = @'
$seed = New-ApSession -Simulation seed
Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot ./lab-root -PassThru
'@
                Remarks = 'Writes ./lab-root/etc/mdevctl.d/matrix/62177883-f1bb-47f0-914d-32a22e3a8804, which mdevctl itself reads when that directory is its /etc/mdevctl.d.'
            }
        )
        Notes       = 'mdevctl 1.2 (Debian 12) ignores MDEVCTL_ENV_ROOT; it always uses /etc/mdevctl.d. Definitions are byte for byte what mdevctl define writes for the same matrix.'
        Links       = @('Import-VfioApMdev', 'Compare-VfioApMdev', 'Get-VfioApMdev', 'about_VfioAp')
    }

    'Import-VfioApMdev' = @{
        Synopsis    = 'Reads mdevctl definitions and libvirt XML into mdev objects, checks them against the host, and with -Apply creates or changes the mdevs.'
        Description = @(
            'Import-VfioApMdev reads mdevctl''s JSON (a definition file, the keyed form, or the list that mdevctl list --defined --dumpjson prints), libvirt node-device XML, or hostdev elements (alone or in a whole domain XML), from files and directories, from text, or from the host''s own mdevctl directory (-FromHost). The matrix of a definition is what mdevctl start would leave: its attributes replayed in order with the kernel''s parsing (5 decimal, 0x35 hex, 035 octal; unassign_* and ap_config too).'
            'Each definition is checked against each host as Test-VfioApMatrix checks a matrix: ids above the host''s maximum, APQNs that the default drivers own or another mdev holds (named), APQNs claimed by two definitions of the same import, and what the guest would lose. Problems with the text name the file, the line and the entry (attrs[3] (assign_domain)); nothing is written for such a definition. Without -Apply the result is an mdev object per definition and host with Start, Source, ImportAction (Create, Update, None) and Findings.'
            'With -Apply each mdev is created (create, then assign) or changed with the planner''s minimal writes (one ap_config write where the kernel has it), verified by reading it back, and rolled back if a write fails: each mdev ends as defined or exactly as it was. -WhatIf lists every sysfs write. A hostdev names an mdev but not its matrix: importing one checks that the mdev exists and returns it; -Apply refuses it.'
        )
        Parameters  = @{
            Path        = 'Definition files, or directories of them (files named by a UUID, or ending in .json or .xml; mdevctl''s /etc/mdevctl.d or a root holding it means its matrix directory). A bare mdevctl definition takes its UUID from its file name, as mdevctl does, or from -Uuid.'
            Content     = 'The text of definitions, e.g. a here-string or Get-Content def.json -Raw.'
            InputObject = 'Pipeline input: strings are definition text, joined into one text as ConvertFrom-Json joins them (so Get-Content file | Import-VfioApMdev works line by line too); files and directories from Get-ChildItem are read like -Path. Anything else is refused (VfioAp.DefinitionInvalid).'
            FromHost    = 'Read the definitions persisted on the host itself: every file in <MdevctlRoot>/etc/mdevctl.d/matrix, as mdevctl reads them. A file mdevctl could not use is reported (VfioAp.DefinitionInvalid) and the others are imported.'
            Format      = 'Auto (default: JSON or XML by the first character, node-device or hostdev by the first element), MdevctlJson, NodeDeviceXml or HostdevXml.'
            Uuid        = 'The UUID of a bare mdevctl definition whose file name is not its UUID (or of -Content text); several, in the order of the inputs.'
            Session     = 'The hosts to check the definitions against and, with -Apply, to change. Hosts are handled one after the other. Without -Session, this machine''s /sys.'
            Apply       = 'Create the mdevs that do not exist and change those whose matrix differs, one verified plan per mdev with rollback on failure (a failed write''s error has the id Set-VfioApMatrix gives the same refusal, e.g. VfioAp.ApqnInUse, and says which write failed, the errno and its meaning). Supports -WhatIf and -Confirm.'
            MdevctlRoot = 'With -FromHost: mdevctl''s root on the host (definitions in <root>/etc/mdevctl.d). Default: /.'
            WhatIf      = 'With -Apply: show, per mdev, the plan and every sysfs write it would make, and change nothing.'
            Confirm     = 'With -Apply: ask before changing each mdev.'
        }
        Defaults    = @{ Format = 'Auto'; MdevctlRoot = '/'; Session = 'This machine''s /sys' }
        Inputs      = @{
            'System.String' = 'Definition text (lines are joined into one text).'
            'System.IO.FileInfo' = 'Definition files and directories from Get-ChildItem.'
        }
        Outputs     = @{ 'VfioAp.Core.Model.VfioApMdev' = 'One mdev per definition and host, with the notes Start, Source, ImportAction and Findings; with -Apply, the mdev as read back after the change.' }
        Examples    = @(
            @{
                Title   = 'Will the persisted mdevs come up at the next boot?'
                Code    = 'Import-VfioApMdev -FromHost | Format-Table Uuid, ImportAction, Start, Source'
                Remarks = 'ImportAction None means the live mdev already has the persisted matrix; errors name every definition the kernel would refuse.'
            }
            @{
                Title   = 'Re-create the persisted mdevs now'
                Code    = 'Import-VfioApMdev -FromHost -Apply -WhatIf'
                Remarks = 'Lists the create and assign writes for every missing mdev; without -WhatIf it applies them, mdev by mdev, all or nothing each.'
            }
            @{
                Title   = 'Bring a definition from another host'
                Code    = @'
Export-VfioApMdev -Session $old -Path ./mdevs
Import-VfioApMdev -Path ./mdevs -Session $new -Apply
'@
                Remarks = 'The files are mdevctl definitions named by UUID; on the new host each is checked (ids, ownership, other mdevs) before anything is written.'
            }
        )
        Links       = @('Export-VfioApMdev', 'Compare-VfioApMdev', 'Test-VfioApMatrix', 'about_VfioAp')
    }

    'Compare-VfioApMdev' = @{
        Synopsis    = 'Shows, per mdev, how the live matrix differs from its persisted mdevctl definition.'
        Description = @(
            'With -BusMask the AP bus masks are compared too: with the host and in the same one batch, the cmdlet reads the persistent state a boot starts from (s390-tools'' udev rule /etc/udev/rules.d/41-ap.rules and the next kernel command line; see about_VfioAp_Boot) and returns a BusMaskDrift for apmask and for aqmask when the live mask is not what the next boot starts with: VfioApOnlyLive are the adapters or domains a reboot gives back to the host''s drivers (a change made live only), VfioApOnlyAtBoot those it gives to vfio_ap.'
            'Compare-VfioApMdev reads each host''s mdevs and the definitions in its mdevctl directory (or in -DefinitionPath) and returns one MdevDrift object per mdev that differs: NotPersisted (live, gone after a reboot), NotLive (defined, not in sysfs), MatrixDiffers with the adapters, domains and control domains found only live or only persisted, StartDiffers (with -ExpectedStart), and InvalidDefinition for a file mdevctl could not start (malformed, not vfio_ap, an id above the host''s maximum). Kind is a set of flags, so one mdev can differ in several ways.'
            'Like Compare-Object it returns only differences unless -IncludeEqual is given, so Compare-VfioApMdev | Should -BeNullOrEmpty is a drift check for a Pester runbook.'
        )
        Parameters  = @{
            BusMask       = 'Also compare apmask and aqmask with the masks the next boot starts with (the udev rule, the kernel command line or the kernel''s default) and return a BusMaskDrift for each that differs.'
            Mdev           = 'Only these mdevs (live or persisted; -Uuid is its alias), by UUID in any standard form or mdev objects from the pipeline.'
            Session        = 'The hosts to compare; objects from other VfioAp cmdlets bind their Session by property name. Hosts are handled one after the other. Without -Session, this machine''s /sys.'
            DefinitionPath = 'Compare with the definitions in these files or directories (mdevctl JSON or node-device XML, e.g. a repository of the hosts'' configuration) instead of the host''s mdevctl directory.'
            ExpectedStart  = 'Auto or Manual: a definition with the other start mode is drift (StartDiffers). Without it the start mode is shown (PersistedStart) but not compared.'
            IncludeEqual   = 'Also return the mdevs whose live matrix and definition agree (Kind None, InSync $true).'
            InputObject    = 'Pipeline input: a session, or an object that carries one (an mdev from Get-VfioApMdev also selects its Uuid).'
            MdevctlRoot    = 'mdevctl''s root on the host (definitions in <root>/etc/mdevctl.d). Default: /.'
        }
        Defaults    = @{ MdevctlRoot = '/'; Session = 'This machine''s /sys' }
        Inputs      = @{
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions to compare.'
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid and Session bind by property name.'
        }
        Outputs     = @{
            'VfioAp.Core.Persistence.MdevDrift' = 'Per mdev: Uuid, Kind, InSync, Live, Persisted, LiveMatrix, PersistedMatrix, AdaptersOnlyLive/OnlyPersisted, DomainsOnlyLive/OnlyPersisted, ControlDomainsOnlyLive/OnlyPersisted, PersistedStart, ExpectedStart, DefinitionPath, Problem and Differences in words.'
            'VfioAp.Core.Boot.BusMaskDrift' = 'Per host and AP bus mask (apmask, aqmask) whose live value is not what the next boot starts with (all with -IncludeEqual): Mask, Live, Persistent, Source (UdevRule, KernelCommandLine, KernelDefault), VfioApOnlyLive, VfioApOnlyAtBoot, InSync and Differences in words.'
        }
        Examples    = @(
            @{
                Title   = 'Would a reboot take back a mask change?'
                Code    = 'Compare-VfioApMdev -Session $lpar -BusMask | Where-Object Mask'
                Remarks = 'One BusMaskDrift per mask changed live only; VfioApOnlyLive names the adapters or domains the next boot gives back to the host''s drivers.'
            }
            @{
                Title   = 'A drift check in a runbook'
                Code    = @'
Describe 'persistence' {
    It 'every mdev comes back after a reboot as it runs now' {
        Compare-VfioApMdev -ExpectedStart Auto | Should -BeNullOrEmpty
    }
}
'@
                Remarks = 'Fails with the differences listed when an mdev was changed live and not persisted, or is defined with start manual.'
            }
            @{
                Title   = 'What changed behind mdevctl''s back'
                Code    = 'Compare-VfioApMdev | Format-List Uuid, Kind, Differences'
                Remarks = 'Differences says, for example, "domains 0x35 persisted only" after someone unassigned domain 0x35 by hand.'
            }
        )
        Links       = @('Export-VfioApMdev', 'Import-VfioApMdev', 'about_VfioAp')
    }

    'Set-VfioApMatrix' = @{
        Synopsis    = 'Adds, removes or replaces the adapters, domains and control domains of vfio_ap mdevs, with the fewest writes, verified and rolled back on failure.'
        Description = @(
            'Set-VfioApMatrix changes an mdev''s matrix: -Add (the default) adds the given ids, -Remove removes them, -Replace replaces the kinds of ids given (a kind not given is kept; -Replace -Adapter @() removes every adapter). Ids are numbers or strings read as the kernel reads them (5, 0x05, ''05''; a quoted ''035'' is octal), arrays and ranges (4..7).'
            'The cmdlet reads the host once, checks the new matrix as the kernel will, and refuses before writing anything what the kernel would refuse: an id above the host''s maximum (VfioAp.IdAboveMaximum, the kernel''s ENODEV), an APQN owned by the host''s default drivers (VfioAp.ApqnOwnedByHost, EADDRNOTAVAIL), an APQN already in another mdev, named (VfioAp.ApqnInUse, EADDRINUSE). APIDs the guest would newly lose (a queue missing, unbound, bound to another driver, an adapter or domain outside the host configuration) are warnings, with the kernel''s reason.'
            'It then plans the fewest writes: where the kernel has the mdev attribute ap_config (Linux 6.10 and later), one write of the whole matrix, which the kernel takes all or nothing; otherwise every unassign_* before every assign_*, so that no step on the way is refused when the goal is valid. Ids are always written as 0x hex. A matrix that is already as asked costs no write (-Verbose says so). -WhatIf lists every write; -Confirm asks.'
            'The writes and the read-back that verifies them go to the host in one round trip. If the kernel refuses a write (another session may have taken an APQN meanwhile) or the read-back differs, the applied writes are undone in reverse order, and the error names the host, the attribute, the value written, the errno with what it means, the other mdev where there is one, what was applied and what was rolled back, and what to do. A failed rollback is a second error, VfioAp.RollbackFailed.'
            'Other writers (another runbook, an admin, mdevctl) lose nothing and make this change lose nothing: the writes, the verification and any rollback run under the host''s AP configuration lock, which s390-tools'' tools take too (see -LockTimeout). Under the lock the mdev''s matrix and the other mdevs'' matrices are read again first; if another writer changed them since the cmdlet read the host, nothing is written and the change is checked and planned again from that fresh read, up to 5 times (then VfioAp.ConcurrentChange names what kept changing). The change is verified by its intent (after -Add the ids are there, after -Remove they are not), and a rollback takes back only this change''s own effect.'
            'The guest APCB: on unassign the kernel clears the bit in the guest''s APCB and does not filter the matrix again; on assign and on an ap_config write (even of an unchanged matrix) it filters the whole matrix. So after a change that only unassigns on a kernel without ap_config, an adapter that was kept from the guest for a queue of a removed domain stays out although the filter would now admit it; the cmdlet warns when that happened. -Refilter makes the kernel filter again: on kernels with ap_config by writing the matrix to ap_config again, on older ones by unbinding and binding again one queue of each such adapter (the adapter is not in the guest, so nothing is unplugged).'
        )
        Parameters  = @{
            Mdev          = 'The mdevs to change, by UUID in any standard form, or objects from Get-VfioApMdev (their Uuid binds). A UUID that no host has is reported once (VfioAp.MdevNotFound).'
            Adapter       = 'Adapters (APIDs): 5, 0x05, ''05'', arrays and ranges (4..7). Written to the kernel as 0x hex.'
            Domain        = 'Usage domains (APQIs), as -Adapter.'
            ControlDomain = 'Control domains, as -Adapter. Control domains are not checked against other mdevs or apmask/aqmask (the kernel does not either); only the maximum id applies.'
            Add           = 'Add the ids to the matrix. The default.'
            Remove        = 'Remove the ids from the matrix. Ids the matrix does not have are ignored, as the kernel ignores unassigning them.'
            Replace       = 'Replace the adapters, domains or control domains given; the kinds not given stay as they are.'
            Refilter      = 'Also make the kernel filter the guest APCB anew when it would keep adapters out that its filter admits (see the description). Costs no write when the guest APCB is already as the filter gives it. Alone (without ids) it only refilters.'
            PassThru      = 'Write the changed mdev (as Get-VfioApMdev shows it) to the pipeline; costs one more round trip. Without it the cmdlet writes nothing on success.'
        }
        Inputs      = @{
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid binds to -Mdev and their Session picks the host.'
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).'
        }
        Outputs     = @{ 'VfioAp.Core.Model.VfioApMdev' = 'With -PassThru: the mdev after the change.' }
        Examples    = @(
            @{
                Title   = 'Preview, then give the seed host''s mdev adapter 06'
                Code    = @'
$seed = New-ApSession -Simulation seed
Set-VfioApMatrix -Session $seed -Mdev 62177883-f1bb-47f0-914d-32a22e3a8804 -Adapter 6 -WhatIf
Set-VfioApMatrix -Session $seed -Mdev 62177883-f1bb-47f0-914d-32a22e3a8804 -Adapter 6 -PassThru
'@
                Remarks = 'The first command prints the one ap_config write and changes nothing; the second writes it, verifies it and returns the mdev. A warning says that the guest will not get adapter 06: it is not in the host''s AP configuration (over-provisioning is allowed: the guest gets it when the machine configures it).'
            }
            @{
                Title   = 'Every mdev of a host gets domain 0x47 (or says why not)'
                Code    = 'Get-VfioApMdev -Session $lpar | Set-VfioApMatrix -Domain 0x47'
                Remarks = 'Each mdev is planned from the host as it is at that moment; an APQN another mdev holds is refused before writing, naming that mdev (VfioAp.ApqnInUse).'
            }
            @{
                Title   = 'Replace the domains, keep the adapters'
                Code    = 'Set-VfioApMatrix -Session $lpar -Mdev $uuid -Replace -Domain 0x30..0x3f -ControlDomain 0x30..0x3f -Verbose'
                Remarks = 'On a kernel without ap_config this is the unassigns of the old domains, then the assigns of the new ones; -Verbose reports the writes and the round trips.'
            }
            @{
                Title   = 'Catch the refusal in a script'
                Code    = @'
try { Set-VfioApMatrix -Session $lpar -Mdev $uuid -Adapter 6 -ErrorAction Stop }
catch [System.Management.Automation.RuntimeException] {
    if ($_.FullyQualifiedErrorId -like 'VfioAp.ApqnInUse,*') { "held by another mdev: $($_.ErrorDetails.RecommendedAction)" } else { throw }
}
'@
                Remarks = 'The id before the comma is stable. $_.Exception.Host, .Path and .Errno say where and why.'
            }
            @{
                Title   = 'Two runbooks at once, and a host busy with another tool'
                Code    = @'
Start-ThreadJob { Set-VfioApMatrix -Session $using:lpar -Mdev $using:uuid -Adapter 0x10..0x17 }
Set-VfioApMatrix -Session $lpar -Mdev $uuid -Adapter 0x20..0x27 -LockTimeout 120
'@
                Remarks = 'Both changes take the host''s AP configuration lock in turn; the one that comes second sees the other''s adapters under the lock, plans again from them and adds its own, so the mdev ends with all sixteen. If another tool (pid shown by Write-Progress) holds the lock for more than 120 seconds, the second fails with VfioAp.LockTimeout and writes nothing.'
            }
            @{
                Title   = 'Remove a domain and let the kernel filter the guest again'
                Code    = 'Set-VfioApMatrix -Session $lpar -Mdev $uuid -Remove -Domain 0x35 -Refilter'
                Remarks = 'Without -Refilter, a kernel without ap_config would keep adapter 05 out of the guest (it was dropped for queue 05.0035, which is gone from the matrix now) until the next assign.'
            }
        )
        Notes       = @(
            'Error ids: VfioAp.ApqnInUse (EADDRINUSE), VfioAp.ApqnOwnedByHost (EADDRNOTAVAIL), VfioAp.IdAboveMaximum (ENODEV), VfioAp.PermissionDenied (EACCES: run as root or use a session with -UseSudo), VfioAp.AttributeNotFound (ENOENT: the mdev went away), VfioAp.InvalidValue (EINVAL), VfioAp.WriteFailed (any other errno or a lost connection), VfioAp.VerificationFailed (the writes were taken but the host reads back otherwise), VfioAp.RollbackFailed, VfioAp.MdevNotFound. The same id is used whether the module saw the refusal coming or the kernel answered it.'
            'Two sessions changing one host at the same time: the kernel serializes the writes; the one whose write comes second gets EADDRINUSE and its mdev is rolled back, so neither mdev is left half-changed.'
        )
        Links       = @('Test-VfioApMatrix', 'Get-VfioApMdev', 'New-VfioApMdev', 'Test-VfioApApcb', 'about_VfioAp')
    }

    'New-VfioApMdev' = @{
        Synopsis    = 'Creates a vfio_ap mediated device, optionally with its first matrix, all or nothing.'
        Description = @(
            'New-VfioApMdev writes the UUID to the vfio_ap-passthrough type''s create attribute and, with -Adapter, -Domain or -ControlDomain, gives the new mdev its matrix: in one ap_config write where the kernel has it (known from an existing mdev), else assign by assign. The plan is checked first (an existing UUID, no instances left, the vfio_ap module not loaded, and everything Set-VfioApMatrix checks) and refused before anything is written. If the kernel refuses any write, the mdev is removed again, so the host ends as it started.'
            'The new mdev is written to the pipeline as Get-VfioApMdev shows it. With several sessions, an mdev is created on each host (with -Uuid, the same UUID on each, as a guest that migrates between them needs).'
        )
        Parameters  = @{
            Uuid          = 'The new mdev''s UUID, in any standard form. Default: a new random UUID (one per host).'
            Adapter       = 'The first matrix''s adapters: 5, 0x05, ''05'', arrays and ranges.'
            Domain        = 'The first matrix''s usage domains.'
            ControlDomain = 'The first matrix''s control domains.'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).' }
        Outputs     = @{ 'VfioAp.Core.Model.VfioApMdev' = 'The new mdev.' }
        Examples    = @(
            @{
                Title   = 'An mdev for a guest, with its matrix'
                Code    = 'New-VfioApMdev -Session $lpar -Adapter 5,6 -Domain 0x47 -ControlDomain 0x47'
                Remarks = 'Creates the mdev and assigns adapters 05, 06 and domain 0047; if 06.0047 belongs to another mdev, nothing is created (VfioAp.ApqnInUse names the other mdev).'
            }
            @{
                Title   = 'Keep the UUID a guest definition already names'
                Code    = 'New-VfioApMdev -Session $lpar -Uuid 62177883-f1bb-47f0-914d-32a22e3a8804 -Adapter 4 -Domain 4 -WhatIf'
                Remarks = 'Shows the create write and the matrix writes; changes nothing.'
            }
        )
        Notes       = 'Error ids: VfioAp.MdevExists (EEXIST), VfioAp.NoInstancesLeft (available_instances is 0), VfioAp.VfioApNotLoaded, and those of Set-VfioApMatrix.'
        Links       = @('Remove-VfioApMdev', 'Set-VfioApMatrix', 'Test-VfioApMatrix', 'about_VfioAp')
    }

    'Remove-VfioApMdev' = @{
        Synopsis    = 'Removes vfio_ap mediated devices.'
        Description = @(
            'Remove-VfioApMdev writes 1 to each mdev''s remove attribute. It asks first (ConfirmImpact High; -Confirm:$false does not ask). An mdev a KVM guest is using (its queues'' vfio_ap status is "in use", or a running libvirt domain''s XML references it) is refused before writing, naming the VM (VfioAp.MdevInUse): older kernels refuse the write with EBUSY, current ones block it until the guest lets the device go. An mdev that a shut-off domain''s definition references is kept with a warning unless -Force is given (VfioAp.MdevDefinedForGuest).'
        )
        Parameters  = @{
            Mdev  = 'The mdevs to remove, by UUID in any standard form, or objects from Get-VfioApMdev (their Uuid binds). A UUID that no host has is reported once (VfioAp.MdevNotFound).'
            Force = 'Removes an mdev that a shut-off libvirt domain''s definition still references (that VM will not start until the mdev exists again). Without it such an mdev is kept, with a warning and VfioAp.MdevDefinedForGuest. A running VM''s mdev is never removed.'
        }
        Inputs      = @{
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid binds to -Mdev and their Session picks the host.'
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).'
        }
        Outputs     = @{ 'None' = 'This cmdlet writes nothing on success.' }
        Examples    = @(
            @{
                Title   = 'Remove an mdev without being asked'
                Code    = 'Remove-VfioApMdev -Session $lpar -Mdev 62177883-f1bb-47f0-914d-32a22e3a8804 -Confirm:$false'
                Remarks = 'One write; the read-back in the same round trip verifies that the mdev is gone.'
            }
            @{
                Title   = 'Remove every mdev no guest uses'
                Code    = 'Get-VfioApMdev -Session $lpar | Where-Object { -not $_.InUse } | Remove-VfioApMdev'
                Remarks = 'Asks for each one.'
            }
        )
        Notes       = 'Error ids: VfioAp.MdevInUse (EBUSY), VfioAp.MdevDefinedForGuest, VfioAp.MdevNotFound, VfioAp.PermissionDenied.'
        Links       = @('New-VfioApMdev', 'Get-VfioApMdev')
    }

    'Set-ApBusMask' = @{
        Synopsis    = 'Gives adapters or domains to vfio_ap, or back to the host''s default drivers (apmask/aqmask).'
        Description = @(
            'An APQN belongs to the host''s default drivers (cex4queue) when its adapter is set in apmask and its domain in aqmask; every other APQN is for vfio_ap. Set-ApBusMask -Owner VfioAp clears the given adapters'' apmask bits and domains'' aqmask bits; -Owner Host sets them. -ApMask and -AqMask take the kernel''s own syntax instead: an absolute mask (0x and up to 64 hex digits, bit 0 first) or relative terms (-5,-6 or +0x20-0x2f), applied to each host''s current mask.'
            'Only the bits that change are written, with the kernel''s relative syntax, so a concurrent change of other bits is not overwritten. After a mask change the bus moves each affected queue to the driver the masks now give it to.'
            'The kernel refuses (EBUSY) to give the host an APQN that an mdev holds; the cmdlet refuses it before writing, naming each mdev and its APQNs (VfioAp.ApqnHeldByMdev). When both masks gain and lose bits, the writes are ordered so that only a conflict of the final masks is refused.'
            'Masks written live are gone after a reboot. -Persist also writes the result where chzdev -t ap apmask=... aqmask=... -p does: the udev rule /etc/udev/rules.d/41-ap.rules under the session''s host root, byte for byte as chzdev writes it, with both masks, so chzdev, lszdev and mdevctl''s ap-check read it. The sysfs writes and the rule are one plan: under the host''s AP configuration lock, the rule replaced atomically, its text when the change was planned checked first (another writer''s rule makes the change plan again), verified, rolled back together; -WhatIf lists both. Over SSH it is still one remote command. -Persist alone persists the live masks as they are.'
            '-PersistOnly changes only the rule (the next boot), not the live masks. Relative input (-Adapter/-Domain with -Owner, +6, -4-7) then applies to the persistent masks as chzdev takes them: the rule''s line for each mask, the live mask where the rule has none. ap-check refuses at boot to start an mdevctl auto definition holding an APQN the persistent masks give to the host''s drivers: the cmdlet warns, naming each such definition. On a simulated host the rule goes to the host''s own files, where Test-VfioApBoot and Restart-ApSimulation read it; a session with no host root (a bare -SysfsRoot tree) cannot persist (VfioAp.HostRootRequired).'
        )
        Parameters  = @{
            Adapter  = 'Adapters whose apmask bits change: 5, 0x05, ''05'', arrays and ranges.'
            Domain   = 'Domains whose aqmask bits change.'
            Owner    = 'VfioAp: the ids go to vfio_ap (bits cleared). Host: they go back to the default drivers (bits set).'
            ApMask   = 'apmask in the kernel''s syntax, absolute or relative. Checked before any host is read (VfioAp.InvalidValue).'
            AqMask   = 'aqmask in the kernel''s syntax, absolute or relative.'
            PassThru = 'Write the bus configuration after the change (as Get-ApBusConfig shows it).'
            Persist  = 'Also persist the resulting masks in chzdev''s udev rule /etc/udev/rules.d/41-ap.rules (both masks), in the same plan as the sysfs writes. Alone: persist the live masks as they are.'
            PersistOnly = 'Write only the udev rule (the next boot''s masks), not the live masks; relative input applies to the persistent masks (the live ones where the rule sets none). Warns about mdevctl auto definitions ap-check would refuse at boot.'
            Force    = 'Go ahead although a running guest would lose APQNs through the change (without it: VfioAp.GuestWouldLoseCrypto, nothing written). -WhatIf shows each guest''s impact.'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).' }
        Outputs     = @{ 'VfioAp.Core.Model.ApBusConfig' = 'With -PassThru: the bus configuration after the change.' }
        Examples    = @(
            @{
                Title   = 'Reserve two domains for guests'
                Code    = 'Set-ApBusMask -Session $lpar -Domain 0x47,0xab -Owner VfioAp -WhatIf'
                Remarks = 'Shows the one aqmask write (-0x47,-0xab); the queues of those domains would move from cex4queue to vfio_ap.'
            }
            @{
                Title   = 'The kernel documentation''s example'
                Code    = @'
Set-ApBusMask -Session $lpar -ApMask '-5,-6' -AqMask '-4,-0x47,-0xab,-0xff'
'@
                Remarks = 'The same strings as echo -5,-6 > /sys/bus/ap/apmask and echo -4,-0x47,-0xab,-0xff > /sys/bus/ap/aqmask.'
            }
            @{
                Title   = 'Give a card back to the host'
                Code    = 'Set-ApBusMask -Session $lpar -Adapter 6 -Owner Host'
                Remarks = 'Refused, naming each mdev that still holds an APQN of adapter 06 on a domain the host owns, with the Set-VfioApMatrix -Remove command that frees it.'
            }
            @{
                Title   = 'Give a card to vfio_ap now and after the next reboot'
                Code    = 'Set-ApBusMask -Session $lpar -Adapter 6 -Owner VfioAp -Persist -WhatIf'
                Remarks = 'Lists the apmask write (echo -0x6 > /sys/bus/ap/apmask) and the atomic write of /etc/udev/rules.d/41-ap.rules; without -WhatIf both run in one plan under the AP configuration lock.'
            }
            @{
                Title   = 'Keep what was configured live (before a maintenance reboot)'
                Code    = 'Set-ApBusMask -Session $lpar -Persist; Get-ApBusConfig -Session $lpar | Select-Object LiveIsPersistent'
                Remarks = 'Writes the live apmask and aqmask into the udev rule as chzdev would; LiveIsPersistent is then True. Test-VfioApBoot tells what else the reboot needs (mdevctl definitions: Export-VfioApMdev -Persist).'
            }
            @{
                Title   = 'Change only the next boot'
                Code    = 'Set-ApBusMask -Session $lpar -ApMask ''-7'' -PersistOnly'
                Remarks = 'Gives adapter 07 to vfio_ap from the next boot on, applied to the persistent apmask (the live one where the rule has none); the live masks stay as they are. Warns when an mdevctl auto definition would be refused by ap-check at boot.'
            }
        )
        Notes       = 'Error ids: VfioAp.ApqnHeldByMdev (EBUSY), VfioAp.InvalidValue (EINVAL), VfioAp.PermissionDenied, VfioAp.HostRootRequired, VfioAp.ConcurrentChange, VfioAp.LockTimeout.'
        Links       = @('Get-ApBusConfig', 'Get-ApQueue', 'Test-VfioApBoot', 'about_VfioAp_Boot', 'about_VfioAp')
    }

    'Set-ApQueue' = @{
        Synopsis    = 'Binds, unbinds, resets a queue or sets it online or offline, showing what each guest gains or loses.'
        Description = @(
            'Set-ApQueue does the queue maintenance of the driver core and chzcrypt: -Bound binds the queue to the driver apmask/aqmask give it (echo 05.0035 > /sys/bus/ap/drivers/vfio_ap/bind, or cex4queue for a queue of the host), -Bound:$false unbinds it from its driver, -Reset writes its reset attribute, -Online sets zcrypt''s online (chzcrypt -e/-d; only queues of the host''s zcrypt driver have it).'
            'Each host gets one plan through the change engine, under the host''s AP configuration lock: the files it was planned from (apmask, aqmask, the bus''s bindings count, or the attribute written) are read again first, the result is verified, and a failure is rolled back with the opposite write (a reset has none).'
            'The kernel takes the whole adapter from a guest when one of its queues leaves vfio_ap. -WhatIf and -Confirm list, after the writes, each guest (VM and mdev) with the APQNs it would gain, lose or hold unusable, and why. When a running guest would lose crypto, the cmdlet refuses without -Force (VfioAp.GuestWouldLoseCrypto, nothing written). Repair-VfioApApcb gives it back.'
        )
        Parameters  = @{
            Apqn     = 'The queues, in the kernel''s syntax (quote them: ''05.0035''), or Get-ApQueue objects from the pipeline.'
            Bound    = '-Bound binds each queue to the driver its ownership gives it; -Bound:$false unbinds it.'
            Reset    = 'Reset the queues (pending requests are flushed). Cannot be undone.'
            Online   = 'zcrypt''s online of the queue: $true (chzcrypt -e) or $false (chzcrypt -d).'
            PassThru = 'Write the queues after the change.'
            Force    = 'Go ahead although a running guest loses APQNs (an unbind of a queue in its APCB takes the adapter).'
        }
        Inputs      = @{ 'VfioAp.Core.Model.ApQueue' = 'Queues from Get-ApQueue: their Apqn and Session bind.' }
        Outputs     = @{ 'VfioAp.Core.Model.ApQueue' = 'With -PassThru: the queues after the change, with a GuestImpact property (the guests the change touched).' }
        Examples    = @(
            @{
                Title   = 'What would unbinding a queue do to the guests?'
                Code    = "Set-ApQueue -Session `$lab -Apqn '05.0047' -Bound:`$false -WhatIf"
                Remarks = 'Shows the unbind write, then that VM guest2 (its mdev, running) loses adapter 05 (05.0047, 05.00ff) and why. Without -WhatIf and without -Force it is refused with VfioAp.GuestWouldLoseCrypto.'
            }
            @{
                Title   = 'Bind every unbound queue back'
                Code    = 'Get-ApQueue -Session $lpar | Where-Object Driver -eq $null | Set-ApQueue -Bound'
                Remarks = 'Each queue goes to the driver apmask/aqmask give it; a guest whose adapter was dropped gets it back (the kernel filters its matrix again on the bind).'
            }
        )
        Notes       = 'Error ids: VfioAp.GuestWouldLoseCrypto, VfioAp.QueueAlreadyBound (EBUSY on bind), VfioAp.QueueDriverMismatch (ENODEV on bind), VfioAp.QueueNotBound (ENODEV on unbind), VfioAp.AttributeNotFound (no online attribute), VfioAp.NothingToChange.'
        Links       = @('Get-ApQueue', 'Set-ApCard', 'Repair-VfioApApcb', 'about_VfioAp_Kernel')
    }

    'Set-ApCard' = @{
        Synopsis    = 'Sets a card online or offline, or configures or deconfigures it, showing what each guest loses.'
        Description = @(
            'Set-ApCard does chzcrypt''s card maintenance: -Online sets zcrypt''s online of the card and its zcrypt queues (chzcrypt -e/-d; vfio_ap''s queues are no zcrypt queues, so guests lose nothing), -Config configures or deconfigures the card (chzcrypt --config-on/--config-off) and then writes /sys/bus/ap/scans, since the card''s queue devices take the new state only at a bus scan.'
            'A deconfigured card''s queues stay in a guest''s APCB but the guest cannot use them: -WhatIf lists them per guest, and for a running guest the change is refused without -Force (VfioAp.GuestWouldLoseCrypto, nothing written). Each host gets one plan through the change engine, verified (the card and its queues show the new config) and rolled back on failure.'
        )
        Parameters  = @{
            Adapter  = 'The cards: 6, 0x06, ''06'', or Get-ApCard objects from the pipeline (their Id binds).'
            Online   = 'zcrypt''s online: $true (chzcrypt -e) or $false (chzcrypt -d).'
            Config   = '$true configures the card (chzcrypt --config-on), $false deconfigures it; either way the bus is scanned after.'
            PassThru = 'Write the cards after the change.'
            Force    = 'Go ahead although a running guest keeps APQNs it cannot use (config off).'
        }
        Inputs      = @{ 'VfioAp.Core.Model.ApCard' = 'Cards from Get-ApCard: their Id and Session bind.' }
        Outputs     = @{ 'VfioAp.Core.Model.ApCard' = 'With -PassThru: the cards after the change, with a GuestImpact property.' }
        Examples    = @(
            @{
                Title   = 'Take a card out for service'
                Code    = 'Set-ApCard -Session $lab -Adapter 6 -Config $false -WhatIf'
                Remarks = 'Lists the config write and the bus scan, then for guest1 and guest3 the APQNs of adapter 06 that stay in their APCB unusable. Run it with -Force once the guests are told; Set-ApCard -Config $true (or Repair-VfioApApcb) brings them back.'
            }
        )
        Notes       = 'Error ids: VfioAp.GuestWouldLoseCrypto, VfioAp.NothingToChange, and the kernel''s refusals (ENODEV: online of a deconfigured card).'
        Links       = @('Get-ApCard', 'Set-ApQueue', 'Repair-VfioApApcb', 'about_VfioAp_Kernel')
    }

    'Repair-VfioApApcb' = @{
        Synopsis    = 'Gives guests back the adapters, domains and APQNs the kernel keeps from their APCB, where Linux can.'
        Description = @(
            'For every adapter, domain and control domain the kernel drops from a guest''s APCB, and every APQN the guest holds but cannot use, Repair-VfioApApcb plans the repair the kernel allows: bind a queue vfio_ap owns but no driver drives; unbind and bind again a queue whose reset failed (vfio_ap resets a queue it lets go of, and the bind probes it afresh and filters the matrix again) or that another driver holds; configure a deconfigured card and scan the bus; for a queue of the host''s drivers, the Set-ApBusMask change that gives its adapter to vfio_ap, applied only with -IncludeBusMask.'
            'What Linux cannot change is not written but reported with who can: an adapter or domain outside the LPAR''s AP configuration or a missing queue (the HMC), a checkstop (the hardware, IBM service).'
            'One plan per host runs through the change engine. -WhatIf shows the writes and what each guest gains. Each result object is one cut: the mdev, the VM, the target, the kernel''s reason, the action, who can change it, its status (Repaired, Planned, NeedsBusMask, NotRepairable) and the APQNs the guest''s guest_matrix gained.'
        )
        Parameters  = @{
            Mdev           = 'Only these mdevs (Get-VfioApApcb and Get-VfioApMdev objects bind by their Mdev or Uuid).'
            Guest          = 'Only the mdevs of these libvirt domains (wildcards; Get-VfioApGuest objects bind by their Guest).'
            IncludeBusMask = 'Also apply the apmask change that gives the host''s queues to vfio_ap (it takes the adapter from the host''s own use).'
        }
        Inputs      = @{
            'VfioAp.Core.Model.Apcb' = 'APCBs from Get-VfioApApcb: their Mdev binds.'
            'VfioAp.Core.Model.LibvirtGuest' = 'Domains from Get-VfioApGuest: their Guest binds.'
        }
        Outputs     = @{ 'VfioAp.Core.Rules.ApcbRepairItem' = 'One per cut: what was repaired, what not, and why.' }
        Examples    = @(
            @{
                Title   = 'The seed host: queue 05.0035 was unbound by hand'
                Code    = 'Get-VfioApApcb | Repair-VfioApApcb -WhatIf'
                Remarks = 'Shows echo 05.0035 > /sys/bus/ap/drivers/vfio_ap/bind and that the mdev gains adapter 05 (05.0004, 05.0022, 05.0035). Without -WhatIf the kernel''s guest_matrix then holds all six APQNs and Test-VfioApApcb is $true.'
            }
            @{
                Title   = 'After maintenance, give one VM its crypto back'
                Code    = 'Get-VfioApGuest -Session $lab -Name guest2 | Repair-VfioApApcb'
            Remarks = 'Binds the queues of guest2''s mdev that are unbound; the result says Repaired and the APQNs gained.'
            }
        )
        Notes       = 'Error ids: those of the writes (VfioAp.QueueAlreadyBound, VfioAp.QueueDriverMismatch, VfioAp.LockTimeout, …).'
        Links       = @('Get-VfioApApcb', 'Test-VfioApApcb', 'Set-ApQueue', 'Set-ApCard', 'about_VfioAp_Apcb')
    }

    'Test-VfioApMatrix' = @{
        Synopsis    = 'Checks a proposed matrix before it is written: $true when the kernel would take it, or every finding with -Detailed.'
        Description = @(
            'Test-VfioApMatrix checks what Set-VfioApMatrix (for the mdevs given with -Mdev, with the same -Add, -Remove and -Replace) or New-VfioApMdev (without -Mdev: the ids are the new mdev''s whole matrix) would write, against the host as it is: ids above the host''s maximum (ENODEV), APQNs owned by the default drivers (EADDRNOTAVAIL), APQNs already in another mdev, naming it (EADDRINUSE), and what the guest would not get and why (an adapter or domain outside the host configuration, a queue that is missing, unbound, bound to another driver or failed its reset).'
            'It returns $true when the kernel would accept the matrix (warnings about the guest do not make it $false), one answer per host, or per mdev with -Mdev. With -Detailed it returns a MatrixFinding for each finding: Severity (Error or Warning), Code, KernelErrno, Message, RecommendedAction, Adapter, Domain, Apqns, OtherMdev, DropReason.'
        )
        Parameters  = @{
            Mdev          = 'The existing mdevs the matrix is for; without it, a new mdev. Objects from Get-VfioApMdev bind by their Uuid.'
            Adapter       = 'Adapters: 5, 0x05, ''05'', arrays and ranges.'
            Domain        = 'Usage domains.'
            ControlDomain = 'Control domains.'
            Add           = 'The ids join the mdev''s matrix (the default).'
            Remove        = 'The ids leave the mdev''s matrix.'
            Replace       = 'The kinds of ids given replace the mdev''s.'
            Detailed      = 'Return every finding (errors and what the guest would lose) as MatrixFinding objects instead of $true or $false.'
        }
        Inputs      = @{
            'VfioAp.Core.Model.VfioApMdev' = 'Mdevs from Get-VfioApMdev: their Uuid binds to -Mdev.'
            'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).'
        }
        Outputs     = @{
            'System.Boolean' = '$true or $false per host, or per mdev with -Mdev.'
            'VfioAp.Core.Rules.MatrixFinding' = 'With -Detailed: one object per finding.'
        }
        Examples    = @(
            @{
                Title   = 'Would guest 2 of the kernel documentation get adapter 06?'
                Code    = 'Test-VfioApMatrix -Session (New-ApSession -Simulation kernel-doc) -Mdev 4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a52 -Adapter 6 -Detailed'
                Remarks = 'No: 06.0047 and 06.00ff are already assigned to guest 3''s mdev (EADDRINUSE).'
            }
            @{
                Title   = 'Check a new guest''s matrix in a runbook'
                Code    = 'Test-VfioApMatrix -Session $lpar -Adapter 4,5 -Domain 0x36 | Should -BeTrue'
                Remarks = 'Without -Mdev the ids are the whole matrix of a new mdev.'
            }
        )
        Links       = @('Set-VfioApMatrix', 'New-VfioApMdev', 'Get-VfioApApcb')
    }

    'Test-VfioApBoot' = @{
        Synopsis    = 'Predicts each host''s next boot: does every guest get its crypto back?'
        Description = @(
            'Test-VfioApBoot reads the host and its persistent state in one batch (one SSH command per host): sysfs, libvirt''s domain files, s390-tools'' udev rule /etc/udev/rules.d/41-ap.rules, /proc/cmdline, zipl''s BLS entries (/boot/loader/entries/*.conf) or /etc/zipl.conf, and mdevctl''s definitions (/etc/mdevctl.d/matrix). It then boots the host in thought as Linux on Z does: the same cards, AP configuration and queue devices as now; apmask and aqmask from the kernel''s default (all ones) or the next command line''s ap.apmask=/ap.aqmask=, then the udev rule; each queue bound by those masks alone; mdevctl''s auto definitions started in its order with the checks of its callout ap-check (an APQN an earlier-started mdev holds, or the host''s drivers own under the masks, refuses the whole mdev); libvirt''s autostart domains started when every mdev they reference is there; and each mdev''s APCB by the kernel''s rule (see about_VfioAp_Apcb).'
            'It returns $true for a host when every mdev a libvirt domain references comes back with the same matrix, its guest gets the APCB it has now, and a running domain starts again; else $false. With -Detailed it returns one object per domain and mdev: Guest, Mdev, Now, AtBoot, Lost, Gained (APQNs), Autostart, MdevComesBack, MatrixNow, MatrixAtBoot, Survives, and Reasons in words (a mask not persisted and the adapters and domains it gives back to the host; an mdev not defined in mdevctl, or defined manual; a definition that differs from the live matrix; a start ap-check refuses because of another definition; a domain that is not autostart). Values the kernel or udev would not take are warnings naming the file and line. Works on every kind of session; see about_VfioAp_Boot.'
        )
        Parameters  = @{
            Detailed    = 'Return one BootOutcome per guest and mdev instead of $true or $false.'
            MdevctlRoot = 'Read mdevctl''s definitions from <MdevctlRoot>/etc/mdevctl.d/matrix on this machine instead of the host''s: for a simulated host or a sysfs tree, where Export-VfioApMdev -Persist -MdevctlRoot wrote them.'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Sessions, or any VfioAp object (its Session property binds).' }
        Outputs     = @{
            'System.Boolean' = '$true or $false per host.'
            'VfioAp.Core.Boot.BootOutcome' = 'With -Detailed: one object per libvirt domain and vfio-ap mdev it references.'
        }
        Examples    = @(
            @{
                Title   = 'Before a maintenance reboot'
                Code    = @'
Describe 'zhost1 survives its reboot' {
    It 'every guest gets its crypto back' {
        Test-VfioApBoot -Session $zhost1 | Should -BeTrue
    }
}
'@
                Remarks = 'One SSH command; nothing is changed on the host.'
            }
            @{
                Title   = 'Who loses what, and why'
                Code    = 'Test-VfioApBoot -Session $lab -Detailed | Where-Object { -not $_.Survives } | Format-List Guest, Mdev, Lost, Reasons'
                Remarks = 'On a host configured live only, each guest loses its APQNs: the masks were not persisted and the mdevs are not defined in mdevctl.'
            }
            @{
                Title   = 'Persist what is missing, then check again'
                Code    = @'
Set-ApBusMask -Session $lab -Persist
Export-VfioApMdev -Session $lab -Persist
Test-VfioApBoot -Session $lab
'@
                Remarks = 'Set-ApBusMask -Persist writes chzdev''s udev rule with the live masks; Export-VfioApMdev -Persist writes the mdevctl definitions (make them auto with -Start Auto if they should start at boot).'
            }
        )
        Links       = @('Restart-ApSimulation', 'Get-ApBusConfig', 'Export-VfioApMdev', 'Compare-VfioApMdev', 'about_VfioAp_Boot')
    }

    'Restart-ApSimulation' = @{
        Synopsis    = 'Reboots a simulated host from its persistent state, as Linux on Z boots.'
        Description = @('Restart-ApSimulation boots a simulated host (New-ApSession -Simulation) again on the same hardware, step by step through the simulated kernel''s own write paths: apmask and aqmask start at the kernel''s default or from the command line (its proc/cmdline, or a zipl BLS entry in its files); the cards and the AP configuration appear and the queues bind by the masks; udev writes the rule''s mask assignments; mdevctl starts the auto definitions in its order after ap-check''s checks (an mdev whose attribute write fails is removed again); libvirt starts the autostart domains whose mdevs are all there. What only lived in the running kernel is gone: masks changed live, mdevs not defined in mdevctl, queues unbound by hand, a failed reset. The session goes on with the booted host, so Test-VfioApBoot before and Get-VfioApApcb after can be compared. A simulated host''s files (udev rule, command line, mdevctl definitions) come from its scenario''s "files" or from $session.Kernel.HostFiles.SetFile(path, text); mdevctl''s definitions can also come from a directory (-MdevctlRoot).')
        Parameters  = @{
            MdevctlRoot = 'Read mdevctl''s definitions from <MdevctlRoot>/etc/mdevctl.d/matrix on this machine (where Export-VfioApMdev -Persist -MdevctlRoot wrote them) instead of the simulated host''s files.'
            PassThru    = 'Write the session after its host booted.'
        }
        Inputs      = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'Simulated sessions, or any VfioAp object of one (its Session property binds). Another kind of session is refused with VfioAp.NotASimulation.' }
        Outputs     = @{ 'VfioAp.PowerShell.Sessions.ApSession' = 'With -PassThru: the session.' }
        Examples    = @(
            @{
                Title   = 'Practise a reboot'
                Code    = @'
$lab = New-ApSession -Simulation seed -ComputerName lab
Test-VfioApBoot -Session $lab -Detailed
Restart-ApSimulation -Session $lab
Get-VfioApMdev -Session $lab
'@
                Remarks = 'The seed host was configured live only: after the reboot its mdev is gone and apmask and aqmask are all ones again, as predicted.'
            }
            @{
                Title   = 'See what would happen, and do nothing'
                Code    = 'Restart-ApSimulation -Session $lab -WhatIf'
                Remarks = ''
            }
        )
        Links       = @('Test-VfioApBoot', 'New-ApSession', 'about_VfioAp_Boot')
    }
}
