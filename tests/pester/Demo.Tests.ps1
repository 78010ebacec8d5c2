BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
}

Describe 'README command 1: examples/Start-VfioApDemo.ps1' {
    BeforeAll {
        # As README command 1 runs it, without -NoExit and without a terminal.
        $script:run = Invoke-ChildPwsh @('-File', 'examples/Start-VfioApDemo.ps1')
    }

    It 'runs without errors' {
        $run.Error | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
    }

    It 'shows the queues, with 05.0035 not bound' {
        $run.Output | Should -Match 'PS> Get-ApQueue'
        $run.Output | Should -Match '05\.0035\s+False'
    }

    It 'shows the mdev and its APCB' {
        $run.Output | Should -Match '62177883-f1bb-47f0-914d-32a22e3a8804'
        $run.Output | Should -Match 'the guest gets 3: 04\.0004, 04\.0022, 04\.0035'
    }

    It 'says why adapter 05 was dropped' {
        $run.Output | Should -Match 'Dropped adapter 0x05: QueueNotBound 05\.0035'
        $run.Output | Should -Match "Prediction matches the kernel's guest_matrix: True"
    }

    It 'leaves the module and the session as defaults for the prompt that follows' {
        $r = Invoke-ChildPwsh @('-Command', '. ./examples/Start-VfioApDemo.ps1 *> $null; "default=" + $PSDefaultParameterValues[''*-VfioAp*:Session''].ComputerName; (Get-ApQueue -Bound:$false).Apqn.ToString(); (Get-ApSession | Get-VfioApMdev).Uuid.ToString()')
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match 'default=seed'
        $r.Output | Should -Match '05\.0035'
        $r.Output | Should -Match '62177883-f1bb-47f0-914d-32a22e3a8804'
    }
}
