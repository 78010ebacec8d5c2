# VfioAp beside another module that brings its own SSH.NET, BouncyCastle or Newtonsoft.Json (Posh-SSH ships SSH.NET),
# each case in a fresh pwsh: VfioAp.Ssh and its dependencies load in the module's own AssemblyLoadContext, so the
# other module's versions, loaded before or after, stay theirs and VfioAp's SSH sessions still work.
# The other module's assemblies are real NuGet packages (tests/pester/PesterPackage.csproj); SSH.NET 2024.2.0 is only
# loaded and its types checked, never used for a connection.

# Every Describe is tagged Ssh and Fuse (this file's BeforeAll starts sshd and a SimFs mount) and Slow (each test
# starts pwsh processes).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force

    $folders = (Get-Content (Join-Path $PSScriptRoot 'obj/project.assets.json') -Raw | ConvertFrom-Json).packageFolders.PSObject.Properties.Name
    function script:PackageFile([string] $RelativePath) {
        $found = $folders | ForEach-Object { Join-Path $_ $RelativePath } | Where-Object { Test-Path $_ } | Select-Object -First 1
        if (-not $found) { throw "$RelativePath is not restored: run dotnet restore tests/pester/PesterPackage.csproj." }
        $found
    }
    $script:OtherSshNet = PackageFile 'ssh.net/2024.2.0/lib/net8.0/Renci.SshNet.dll'
    $script:OtherBouncyCastle = PackageFile 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
    $script:OtherNewtonsoft = PackageFile 'newtonsoft.json/12.0.3/lib/netstandard2.0/Newtonsoft.Json.dll'
    $script:Shipped = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $RepoRoot 'ps-module/VfioAp/lib/dependencies/Renci.SshNet.dll')).Version
    $script:Other = [System.Reflection.AssemblyName]::GetAssemblyName($OtherSshNet).Version

    $script:bed = Start-TestSshd
    Confirm-TestSshdHostKey $bed
    # A known_hosts without the test bed's key: New-ApSession refuses the host, which gives an SSH error to look at.
    $script:EmptyKnownHosts = Join-Path $bed.Dir 'empty_known_hosts'
    Set-Content $EmptyKnownHosts -Value '' -NoNewline
    $script:seed = Start-TestSimFs seed

    # The start of every child script: fail on any error, import nothing yet.
    $script:Prologue = "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'"
    # Reads the seed host over SSH (the sshd test bed) and in memory, as comparable text, into $viaSsh and $inMemory.
    $script:ReadSeed = @"
`$ssh = New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$($bed.KnownHosts)' -SysfsRoot '$($seed.Root)' -ComputerName z
`$mem = New-ApSession -Simulation seed -ComputerName z
`$viaSsh = (Get-ApQueue -Session `$ssh | Select-Object * -ExcludeProperty Session | ConvertTo-Json -Compress -Depth 4) -join "``n"
`$inMemory = (Get-ApQueue -Session `$mem | Select-Object * -ExcludeProperty Session | ConvertTo-Json -Compress -Depth 4) -join "``n"
`$queues = @(Get-ApQueue -Session `$ssh).Count
"@
    # Which load context holds which version of an assembly: "Context=Name/Version" lines.
    $script:Contexts = @'
$contexts = @([System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object { $c = $_; $c.Assemblies | Where-Object { $_.GetName().Name -match '^(Renci\.SshNet|BouncyCastle\.Cryptography|Newtonsoft\.Json|VfioAp\..*)$' } | ForEach-Object { "$($c.Name)=$($_.GetName().Name)/$($_.GetName().Version)" } })
'@

    function script:Invoke-Isolated([string] $Script) {
        $r = Invoke-ChildPwsh @('-Command', $Script)
        if ($r.ExitCode -ne 0) { throw "child pwsh failed ($($r.ExitCode)): $($r.Error) $($r.Output)" }
        # The last line is the child's result as JSON.
        (($r.Output.Trim() -split "`n")[-1]) | ConvertFrom-Json
    }
}

AfterAll {
    Stop-TestSimFs $seed
    Stop-TestSshd $bed
}

Describe 'Another module''s SSH.NET in the same session' -Tag Ssh, Fuse, Slow {
    It 'lays out VfioAp.Ssh and SSH.NET in lib/dependencies, away from the cmdlet assembly' {
        $lib = Join-Path $RepoRoot 'ps-module/VfioAp/lib'
        foreach ($dll in 'VfioAp.Ssh.dll', 'Renci.SshNet.dll', 'BouncyCastle.Cryptography.dll') {
            Join-Path $lib $dll | Should -Not -Exist
            Join-Path $lib "dependencies/$dll" | Should -Exist
        }
        $Other | Should -Not -Be $Shipped
    }

    It '(a) loaded first (SSH.NET 2024.2.0 and BouncyCastle 2.4.0 via Add-Type -Path), VfioAp still reads the seed host over SSH' {
        $r = Invoke-Isolated @"
$Prologue
Add-Type -Path '$OtherBouncyCastle'
Add-Type -Path '$OtherSshNet'
Import-Module ./ps-module/VfioAp/VfioAp.psd1
$ReadSeed
$Contexts
[pscustomobject]@{ Queues = `$queues; Same = (`$viaSsh -eq `$inMemory); Theirs = [Renci.SshNet.SshClient].Assembly.GetName().Version.ToString(); Contexts = `$contexts } | ConvertTo-Json -Compress
"@
        $r.Queues | Should -BeGreaterThan 0
        $r.Same | Should -BeTrue
        $r.Theirs | Should -Be $Other.ToString()
        $r.Contexts | Should -Contain "Default=Renci.SshNet/$Other"
        $r.Contexts | Should -Contain "VfioAp.Dependencies=Renci.SshNet/$Shipped"
        $r.Contexts | Should -Contain 'VfioAp.Dependencies=VfioAp.Ssh/1.0.0.0'
        # BouncyCastle 2.4 and 2.7 share the assembly version 2.0.0.0: one copy in each context, each from its package.
        @($r.Contexts -like 'Default=BouncyCastle.Cryptography/*').Count | Should -Be 1
        @($r.Contexts -like 'VfioAp.Dependencies=BouncyCastle.Cryptography/*').Count | Should -Be 1
        # VfioAp.Core has one identity, in the default context, shared by the cmdlets and VfioAp.Ssh.
        @($r.Contexts -like '*=VfioAp.Core/*') | Should -Be @('Default=VfioAp.Core/1.0.0.0')
    }

    It '(b) loaded after VfioAp has used SSH, the other module gets its own SSH.NET 2024 types, and VfioAp keeps working' {
        $r = Invoke-Isolated @"
$Prologue
Import-Module ./ps-module/VfioAp/VfioAp.psd1
$ReadSeed
Add-Type -Path '$OtherBouncyCastle'
Add-Type -Path '$OtherSshNet'
`$theirs = [Renci.SshNet.SshClient].Assembly
`$again = @(Get-ApQueue -Session (New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$($bed.KnownHosts)' -SysfsRoot '$($seed.Root)')).Count
$Contexts
[pscustomobject]@{ Queues = `$queues; Same = (`$viaSsh -eq `$inMemory); Again = `$again; Theirs = `$theirs.GetName().Version.ToString(); TheirPath = `$theirs.Location; Contexts = `$contexts } | ConvertTo-Json -Compress
"@
        $r.Queues | Should -BeGreaterThan 0
        $r.Same | Should -BeTrue
        $r.Again | Should -Be $r.Queues
        $r.Theirs | Should -Be $Other.ToString()
        $r.TheirPath | Should -Be $OtherSshNet
        $r.Contexts | Should -Contain "VfioAp.Dependencies=Renci.SshNet/$Shipped"
    }

    It 'keeps the module''s public types in the default context: [VfioAp.Core.Model.Apqn], -is, format views, $_.Exception' {
        $r = Invoke-Isolated @"
$Prologue
Add-Type -Path '$OtherSshNet'
Import-Module ./ps-module/VfioAp/VfioAp.psd1
`$q = Get-ApQueue -Session (New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$($bed.KnownHosts)' -SysfsRoot '$($seed.Root)') | Select-Object -First 1
`$table = (`$q | Format-Table | Out-String)
`$err = `$null
try { New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$EmptyKnownHosts' -SysfsRoot '$($seed.Root)' } catch { `$err = `$_ }
[pscustomobject]@{
    IsApqn = (`$q.Apqn -is [VfioAp.Core.Model.Apqn]); Apqn = [VfioAp.Core.Model.Apqn]::new(5, 0x35).ToString()
    Table = `$table; TypeName = `$q.PSObject.TypeNames[0]
    ErrorId = `$err.FullyQualifiedErrorId; IsVfioApException = (`$err.Exception -is [VfioAp.PowerShell.Errors.VfioApException])
    ErrorHost = `$err.Exception.Host; Inner = `$err.Exception.InnerException.GetType().FullName
} | ConvertTo-Json -Compress
"@
        $r.IsApqn | Should -BeTrue
        $r.Apqn | Should -Be '05.0035'
        # The format view's header, not the default list of every property.
        $r.Table | Should -Match 'APQN'
        $r.Table | Should -Not -Match 'Session\s*:'
        $r.ErrorId | Should -BeLike 'VfioAp.SshHostKeyUnknown,*'
        $r.IsVfioApException | Should -BeTrue
        $r.ErrorHost | Should -Be "127.0.0.1:$($bed.Port)"
        $r.Inner | Should -Be 'VfioAp.Ssh.SshHostException'
    }
}

Describe 'Another module''s Newtonsoft.Json in the same session' -Tag Ssh, Fuse, Slow {
    It '(c) does not ship Newtonsoft.Json: its JSON binds to pwsh''s own 13.x' {
        Get-ChildItem (Join-Path $RepoRoot 'ps-module/VfioAp/lib') -Recurse -Filter 'Newtonsoft.Json.dll' | Should -BeNullOrEmpty
        $r = Invoke-Isolated @"
$Prologue
Import-Module ./ps-module/VfioAp/VfioAp.psd1
`$null = New-ApSession -Simulation seed
$Contexts
[pscustomobject]@{ Path = [Newtonsoft.Json.JsonConvert].Assembly.Location; PSHome = `$PSHOME; Contexts = `$contexts } | ConvertTo-Json -Compress
"@
        $r.Path | Should -BeLike "$($r.PSHome)*"
        @($r.Contexts -like '*=Newtonsoft.Json/*') | Should -Be @('Default=Newtonsoft.Json/13.0.0.0')
    }

    It '(c) Newtonsoft.Json 12 in another module''s own load context, before and after VfioAp: both work' {
        $r = Invoke-Isolated @"
$Prologue
`$theirs = [System.Runtime.Loader.AssemblyLoadContext]::new('OtherModule').LoadFromAssemblyPath('$OtherNewtonsoft')
`$convert = `$theirs.GetType('Newtonsoft.Json.JsonConvert')
`$before = `$convert.GetMethod('SerializeObject', [type[]]@([object])).Invoke(`$null, @(,@(1, 2)))
Import-Module ./ps-module/VfioAp/VfioAp.psd1
Set-Content -Path (Join-Path '$($bed.Dir)' 'broken.json') -Value "{`n  ""name"": ""x"",`n  ""cards"": [ 1, }"
`$err = `$null
try { New-ApSession -Simulation (Join-Path '$($bed.Dir)' 'broken.json') } catch { `$err = `$_ }
`$seed = @(Get-ApQueue -Session (New-ApSession -Simulation seed)).Count
`$after = `$convert.GetMethod('SerializeObject', [type[]]@([object])).Invoke(`$null, @(,@(3)))
$Contexts
[pscustomobject]@{ Before = `$before; After = `$after; Seed = `$seed; ErrorId = `$err.FullyQualifiedErrorId; Line = `$err.Exception.InnerException.Line; Contexts = `$contexts } | ConvertTo-Json -Compress
"@
        $r.Before | Should -Be '[1,2]'
        $r.After | Should -Be '[3]'
        $r.Seed | Should -BeGreaterThan 0
        # Scenario errors still carry Newtonsoft's line numbers (from pwsh's copy).
        $r.ErrorId | Should -BeLike 'VfioAp.ScenarioInvalid,*'
        $r.Line | Should -Be 3
        $r.Contexts | Should -Contain 'OtherModule=Newtonsoft.Json/12.0.0.0'
        $r.Contexts | Should -Contain 'Default=Newtonsoft.Json/13.0.0.0'
    }

    It '(c) a second Newtonsoft.Json cannot enter pwsh''s default context with or without VfioAp (pwsh holds 13.0), and VfioAp still works after the attempt' {
        # pwsh itself loads Newtonsoft.Json 13.0 into its default context, so Add-Type -Path of another version fails
        # the same way in a session without the module: that is PowerShell's limit, not one VfioAp adds.
        $script = @"
$Prologue
`$message = try { Add-Type -Path '$OtherNewtonsoft'; 'loaded' } catch { `$_.Exception.GetType().Name }
if (`$env:VFIOAP_IMPORT) { Import-Module ./ps-module/VfioAp/VfioAp.psd1; `$n = @(Get-ApQueue -Session (New-ApSession -Simulation seed)).Count } else { `$n = 0 }
[pscustomobject]@{ Result = `$message; Queues = `$n } | ConvertTo-Json -Compress
"@
        $without = Invoke-Isolated $script
        $env:VFIOAP_IMPORT = '1'
        try { $with = Invoke-Isolated $script } finally { Remove-Item Env:VFIOAP_IMPORT }
        $with.Result | Should -Be $without.Result
        $with.Queues | Should -BeGreaterThan 0
    }
}
