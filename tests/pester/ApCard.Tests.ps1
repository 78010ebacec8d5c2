BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
}
AfterAll { $seed | Remove-ApSession }

Describe 'Get-ApCard' {
    It 'shows the seed host''s two CEX8C cards with their queue counts' {
        $cards = Get-ApCard -Session $seed
        @($cards.Id | ForEach-Object ToString) | Should -Be @('0x04', '0x05')   # ids print as 0x-hex everywhere; [int] gives the number
        @($cards.Id | ForEach-Object { [int]$_ }) | Should -Be @(4, 5)
        foreach ($c in $cards) {
            $c.Type | Should -Be 'CEX8C'
            $c.HwType | Should -Be 14
            $c.Generation | Should -Be 8
            $c.Mode | Should -Be 'CCA-Coprocessor'
            $c.PassThroughCapable | Should -BeTrue
            $c.InHostConfig | Should -BeTrue
            $c.QueueCount | Should -Be 3
            $c.ComputerName | Should -Be 'seed'
            $c.Session | Should -Be $seed
        }
        ($cards | Where-Object { [int]$_.Id -eq 4 }).VfioApQueueCount | Should -Be 3
        ($cards | Where-Object { [int]$_.Id -eq 5 }).VfioApQueueCount | Should -Be 2
    }

    It 'reads each card attribute as the simulated kernel prints it' {
        foreach ($c in Get-ApCard -Session $seed) {
            $dir = "devices/ap/card$($c.Id.ToKernelName())"
            $c.Online | Should -Be ($seed.Kernel.Read("$dir/online").Trim() -eq '1')
            $c.Functions | Should -Be $seed.Kernel.Read("$dir/ap_functions").Trim()
        }
    }

    It '-Adapter selects cards, positionally too' {
        (Get-ApCard -Session $seed -Adapter 5).Id.ToString() | Should -Be '0x05'
        (Get-ApCard 4 -Session $seed).Id.ToString() | Should -Be '0x04'
        Get-ApCard -Session $seed -Adapter 7 | Should -BeNullOrEmpty
    }

    It 'shows which guests hold each card, and the mdevs that assign it' {
        $doc = New-ApSession -Simulation kernel-doc
        try {
            $cards = Get-ApCard -Session $doc
            @(($cards | Where-Object { [int]$_.Id -eq 5 }).Guests) | Should -Be @('guest1', 'guest2')
            @(($cards | Where-Object { [int]$_.Id -eq 6 }).Guests) | Should -Be @('guest1', 'guest3')
            @(($cards | Where-Object { [int]$_.Id -eq 6 }).Mdevs | ForEach-Object ToString) |
                Should -Be @('4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a51', '4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a53')
            (Get-ApCard -Session $doc -Adapter 6 | Format-Table | Out-String -Width 120) | Should -Match 'cex4card\s+guest1,guest3'
        }
        finally { $doc | Remove-ApSession }
    }

    It 'counts a guest only while its APCB holds the card' {
        # The seed's guest lost adapter 05 (05.0035 unbound); the mdev still assigns it. No libvirt domain names it: the UUID stands in.
        $cards = Get-ApCard -Session $seed
        @(($cards | Where-Object { [int]$_.Id -eq 4 }).Guests) | Should -Be @('62177883-f1bb-47f0-914d-32a22e3a8804')
        ($cards | Where-Object { [int]$_.Id -eq 5 }).Guests | Should -BeNullOrEmpty
        @(($cards | Where-Object { [int]$_.Id -eq 5 }).Mdevs | ForEach-Object ToString) | Should -Be @('62177883-f1bb-47f0-914d-32a22e3a8804')
    }
}
