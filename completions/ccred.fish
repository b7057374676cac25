# SPDX-License-Identifier: MIT
# fish completion for ccred(1): commands, options and profile names.
# Commands come from `ccred --help`, profile names from
# `ccred profiles --names`, run as the command being completed.

# The command being completed (a path works too), else ccred from PATH.
function __ccred_self
    set -l tokens (commandline -opc)
    if command -sq -- $tokens[1]
        echo $tokens[1]
    else
        echo ccred
    end
end

function __ccred_config_args
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    for i in (seq 2 $n)
        switch $tokens[$i]
            case -c --config
                if test $i -lt $n
                    echo -- -c
                    echo -- $tokens[(math $i + 1)]
                end
            case '--config=*'
                echo -- -c
                string replace -- --config= '' $tokens[$i]
        end
    end
end

function __ccred_commands
    # "  name   help text" lines between "Commands:" and the next blank line
    set -l self (__ccred_self)
    $self --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { name = $1; $1 = ""; sub(/^ +/, ""); print name "\t" $0 }'
end

function __ccred_profiles
    set -l self (__ccred_self)
    $self (__ccred_config_args) profiles --names 2>/dev/null
end

# True when no command has been given yet (option arguments skipped).
function __ccred_needs_command
    set -l tokens (commandline -opc)
    set -l skip 0
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -p --profile -c --config --min-ttl
                set skip 1
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

function __ccred_using
    set -l tokens (commandline -opc)
    set -l skip 0
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -p --profile -c --config --min-ttl
                set skip 1
            case '-*'
            case '*'
                test "$t" = "$argv[1]"
                return
        end
    end
    return 1
end

complete -c ccred -f
complete -c ccred -n __ccred_needs_command -s p -l profile -x -a '(__ccred_profiles)' -d 'use this profile'
complete -c ccred -n __ccred_needs_command -s c -l config -r -F -d 'read this config file'
complete -c ccred -n __ccred_needs_command -s v -l verbose -d 'trace each step to stderr'
complete -c ccred -n __ccred_needs_command -l min-ttl -x -d 'seconds a token must still be valid'
complete -c ccred -n __ccred_needs_command -s h -l help -d 'show help'
complete -c ccred -n __ccred_needs_command -l version -d 'show the version'
complete -c ccred -n __ccred_needs_command -a '(__ccred_commands)'
# Global options also follow the command word (not after exec's CMD).
complete -c ccred -n 'not __ccred_needs_command; and not __ccred_using exec' -s p -l profile -x -a '(__ccred_profiles)' -d 'use this profile'
complete -c ccred -n 'not __ccred_needs_command; and not __ccred_using exec' -s c -l config -r -F -d 'read this config file'
complete -c ccred -n 'not __ccred_needs_command; and not __ccred_using exec' -s v -l verbose -d 'trace each step to stderr'
complete -c ccred -n 'not __ccred_needs_command; and not __ccred_using exec' -l min-ttl -x -d 'seconds a token must still be valid'
complete -c ccred -n 'not __ccred_needs_command; and not __ccred_using exec' -l help -d "show the command's usage"
complete -c ccred -n '__ccred_using help' -a '(__ccred_commands)'
complete -c ccred -n '__ccred_using profiles' -l json -d 'a JSON array'
complete -c ccred -n '__ccred_using profiles' -l names -d 'names only'
complete -c ccred -n '__ccred_using doctor' -l json -d 'the report as JSON'
complete -c ccred -n '__ccred_using secret' -l json -d 'JSON for scripts (status)'
complete -c ccred -n '__ccred_using secret' -a 'set delete status'
complete -c ccred -n '__ccred_using docker' -a 'get store erase list'
complete -c ccred -n '__ccred_using cargo' -a '--cargo-plugin' -d 'as cargo runs it'
complete -c ccred -n '__ccred_using terraform' -a 'get store forget setup'
complete -c ccred -n '__ccred_using logout' -l all -d 'every profile'
complete -c ccred -n '__ccred_using logout' -l revoke -d 'revoke the token first (RFC 7009)'
complete -c ccred -n '__ccred_using key' -a 'generate public'
complete -c ccred -n '__ccred_using key' -l type -x -a 'ec rsa ed25519' -d 'key type (generate)'
complete -c ccred -n '__ccred_using key' -l force -d 'replace a stored key (generate)'
complete -c ccred -n '__ccred_using key' -l self-signed-cert -r -d 'also write a certificate (generate)'
complete -c ccred -n '__ccred_using key' -l days -x -d 'certificate validity in days'
complete -c ccred -n '__ccred_using key' -l pem -d 'public key as PEM (public)'
complete -c ccred -n '__ccred_using configure' -a '(__ccred_profiles)'
complete -c ccred -n '__ccred_using configure' -l token-url -x -d 'the token endpoint'
complete -c ccred -n '__ccred_using configure' -l issuer -x -d 'an issuer to discover it from'
complete -c ccred -n '__ccred_using configure' -l client-id -x -d 'the client id'
complete -c ccred -n '__ccred_using configure' -l scope -x -d 'space-separated scopes'
complete -c ccred -n '__ccred_using configure' -l auth-method -x -a 'client_secret_post client_secret_basic client_secret_jwt private_key_jwt tls_client_auth self_signed_tls_client_auth' -d 'client authentication'
complete -c ccred -n '__ccred_using configure' -l store -x -d 'a secret_store line'
complete -c ccred -n '__ccred_using configure' -l url -x -d 'a url line'
complete -c ccred -n '__ccred_using configure' -l ca-file -r -F -d 'trust anchors'
complete -c ccred -n '__ccred_using configure' -l tls-cert -r -F -d 'client certificate of a TLS method'
complete -c ccred -n '__ccred_using configure' -l generate-key -d 'make a key pair instead of reading a key'
complete -c ccred -n '__ccred_using configure' -l key-type -x -a 'ec rsa ed25519' -d 'key type (--generate-key)'
complete -c ccred -n '__ccred_using configure' -l days -x -d 'certificate validity in days (--generate-key)'
complete -c ccred -n '__ccred_using exec' -a '(__fish_complete_subcommand --fcs-skip=2)'
