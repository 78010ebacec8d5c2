# The forced commands of HostileHosts.Tests.ps1: listen address -> what the host sends, whatever it is asked to run.
# The ones that replay the real read script run the client's command ($SSH_ORIGINAL_COMMAND), so their output is the
# module's own protocol until the fault. $PIDS is the file the hung command records its pid in (the test ends it).
@{
    Faults = @(
        @{ Address = '127.0.0.2'; Kind = 'random bytes';                        Command = 'exec head -c 1000000 /dev/urandom' }
        @{ Address = '127.0.0.3'; Kind = 'a hang';                              Command = 'echo $$ >>"$PIDS"; exec sleep 300' }
        @{ Address = '127.0.0.4'; Kind = 'endless lines';                       Command = "exec yes 'garbage from a broken wrapper'" }
        @{ Address = '127.0.0.5'; Kind = '50 MB without a newline';             Command = "head -c 52428800 /dev/zero | tr '\000' x" }
        @{ Address = '127.0.0.6'; Kind = 'an endless stream without a newline'; Command = "tr '\000' x </dev/zero" }
        @{ Address = '127.0.0.7'; Kind = 'output cut short';                    Command = 'sh -c "$SSH_ORIGINAL_COMMAND" | head -c 1500' }
        @{ Address = '127.0.0.8'; Kind = 'a login banner on stdout';            Command = 'echo "Welcome to zlpar1"; exec sh -c "$SSH_ORIGINAL_COMMAND"' }
        @{ Address = '127.0.0.9'; Kind = 'an endless stream on stderr';         Command = "exec yes 'noise on stderr' >&2" }
    )
}
