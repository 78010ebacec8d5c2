BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
}
AfterAll { $seed | Remove-ApSession }

# The expected queues are the seed example's (about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host").
Describe 'Get-ApQueue on the seed host' {
    It 'finds exactly 05.0035 not bound to vfio_ap' {
        $unbound = @(Get-ApQueue -Session $seed | Where-Object Bound -eq $false)
        $unbound.Count | Should -Be 1
        $unbound[0].Apqn.ToString() | Should -Be '05.0035'
        $unbound[0].Driver | Should -BeNullOrEmpty
    }

    It 'shows the six APQNs of adapters 04, 05 x domains 0004, 0022, 0035, all assigned to the mdev, the guest holding adapter 04' {
        $q = Get-ApQueue -Session $seed
        @($q.Apqn | ForEach-Object ToString) | Should -Be @('04.0004', '04.0022', '04.0035', '05.0004', '05.0022', '05.0035')
        $q | ForEach-Object { $_.AssignedTo | Should -Be $SeedUuid }
        @($q | Where-Object InGuest | ForEach-Object { $_.Apqn.ToString() }) | Should -Be @('04.0004', '04.0022', '04.0035')
        $q | ForEach-Object { $_.OwnedByHost | Should -BeFalse }
        @($q | Where-Object Bound | ForEach-Object Status | Select-Object -Unique) | Should -Be @('assigned')
    }

    It 'tags every queue with its ComputerName and Session' {
        Get-ApQueue -Session $seed | ForEach-Object {
            $_.ComputerName | Should -Be 'seed'
            $_.Session | Should -Be $seed
        }
    }

    It '-Bound gives the bound queues and -Bound:$false the others' {
        (Get-ApQueue -Session $seed -Bound).Count | Should -Be 5
        (Get-ApQueue -Session $seed -Bound:$false).Apqn.ToString() | Should -Be '05.0035'
    }
}

Describe 'Get-ApQueue filters and id syntax' {
    It '-Adapter <Value> selects adapter 05' -TestCases @(
        @{ Value = 5 }, @{ Value = '5' }, @{ Value = '0x05' }, @{ Value = '05' }, @{ Value = '0X5' }, @{ Value = [byte]5 }
    ) {
        $q = @(Get-ApQueue -Session $seed -Adapter $Value)
        $q.Count | Should -Be 3
        $q | ForEach-Object { [int]$_.Adapter | Should -Be 5 }
    }

    It 'takes ranges and lists, a range also as one word (4..5 unparenthesized is text to PowerShell)' {
        (Get-ApQueue -Session $seed -Adapter (4..5)).Count | Should -Be 6
        (Get-ApQueue -Session $seed -Adapter 4..5).Count | Should -Be 6
        (Get-ApQueue -Session $seed -Adapter '0x04..0x05').Count | Should -Be 6
        (Get-ApQueue -Session $seed -Adapter 4, '0x05').Count | Should -Be 6
        (Get-ApQueue -Session $seed -Domain 0x20..0x30 | ForEach-Object { $_.Apqn.ToString() }) | Should -Be @('04.0022', '05.0022')
        Get-ApQueue -Session $seed -Adapter (6..9) | Should -BeNullOrEmpty
    }

    It 'reads a quoted id with a leading 0 as octal, as the kernel does (''065'' = 53 = 0x35)' {
        @(Get-ApQueue -Session $seed -Domain '065' | ForEach-Object { $_.Apqn.ToString() }) | Should -Be @('04.0035', '05.0035')
        @(Get-ApQueue -Session $seed -Domain 0x22 -Adapter 4).Apqn.ToString() | Should -Be '04.0022'
    }

    It '-Apqn selects queues by name' {
        (Get-ApQueue -Session $seed -Apqn '05.0035', '04.0004' | ForEach-Object { $_.Apqn.ToString() }) | Should -Be @('04.0004', '05.0035')
    }

    It '-Mdev takes the UUID in any standard form: <Form>' -TestCases @(
        @{ Form = 'D'; Value = '62177883-f1bb-47f0-914d-32a22e3a8804' }
        @{ Form = 'upper case'; Value = '62177883-F1BB-47F0-914D-32A22E3A8804' }
        @{ Form = 'N'; Value = '62177883f1bb47f0914d32a22e3a8804' }
        @{ Form = 'B'; Value = '{62177883-f1bb-47f0-914d-32a22e3a8804}' }
        @{ Form = 'Guid'; Value = [guid]'62177883-f1bb-47f0-914d-32a22e3a8804' }
    ) {
        (Get-ApQueue -Session $seed -Mdev $Value).Count | Should -Be 6
    }

    It 'binds -Mdev and -Session from mdev objects on the pipeline' {
        $before = $seed.RoundTrips
        $q = Get-VfioApMdev -Session $seed | Get-ApQueue
        $q.Count | Should -Be 6
        $seed.RoundTrips - $before | Should -Be 2
    }

    It 'an mdev UUID that no queue is assigned to selects nothing' {
        Get-ApQueue -Session $seed -Mdev ([guid]::NewGuid()) | Should -BeNullOrEmpty
    }
}

Describe 'Get-ApQueue refuses bad ids before reading anything' {
    It '-Adapter <Value> fails parameter binding with the Core''s message and VfioAp.InvalidId' -TestCases @(
        @{ Value = 300; Message = "*'300' (300) is above 255*" }
        @{ Value = 'zz'; Message = "*'zz' is not an adapter id*" }
        @{ Value = '08'; Message = "*'08' is not an adapter id*035 as octal*" }
        @{ Value = -1; Message = "*'-1' is not an adapter id*" }
        @{ Value = '5..4'; Message = "*'5..4' is not a range of adapter ids: it runs backwards*" }
        @{ Value = '4..300'; Message = "*'300' (300) is above 255*" }
    ) {
        $before = $seed.RoundTrips
        $e = $null
        try { Get-ApQueue -Session $seed -Adapter $Value -ErrorAction Stop } catch { $e = $_ }
        $e | Should -Not -BeNullOrEmpty
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $e.Exception | Should -BeOfType ([System.Management.Automation.ParameterBindingException])
        $e.Exception.Message | Should -BeLike $Message
        $e.Exception.InnerException | Should -BeOfType ([VfioAp.PowerShell.Arguments.InvalidIdException])
        $e.Exception.InnerException.ErrorRecord.FullyQualifiedErrorId | Should -Be 'VfioAp.InvalidId'
        $e.Exception.InnerException.ErrorRecord.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $seed.RoundTrips | Should -Be $before
    }

    It '-<Parameter> <Value> is refused with VfioAp.InvalidId' -TestCases @(
        @{ Parameter = 'Domain'; Value = 256 }
        @{ Parameter = 'Apqn'; Value = '5.35.1' }
        @{ Parameter = 'Apqn'; Value = '05.0100' }
        @{ Parameter = 'Mdev'; Value = 'not-a-uuid' }
    ) {
        $e = $null
        $arguments = @{ Session = $seed; $Parameter = $Value }
        try { Get-ApQueue @arguments -ErrorAction Stop } catch { $e = $_ }
        $e.Exception.InnerException.ErrorRecord.FullyQualifiedErrorId | Should -Be 'VfioAp.InvalidId'
    }
}
