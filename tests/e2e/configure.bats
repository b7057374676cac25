#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ccred configure, driven by options with the secret on stdin (scripts) and
# interactively through a real pseudo-terminal (util-linux script), against
# the real oidc-provider.  The user's other profiles and comments must come
# out of every edit exactly as they went in.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	ccred_env
	CONF=$XDG_CONFIG_HOME/ccred/config
}

teardown() {
	ccred_test_teardown
}

# A config with comments, [defaults], other profiles, and the profile to
# change in two sections.
existing_config() {
	ccred_config "# ccred config, hand-written
; with both comment styles

[defaults]
timeout = 10

# the build server
[profile build]
token_url = https://auth.example.com/token
client_id = build-bot   
url = https://git.example.com

[profile work]
# work's own comment stays
client_id = old-client
scope = old:scope
url = https://old.example.com

[profile other]
issuer = https://issuer.example.com
client_id = other
; trailing comment of other"
}

# The file without the lines of profile work's sections.
others_of() {
	awk '/^\[/ { inwork = ($0 == "[profile work]") } !inwork' "$1"
}

@test "configure from options: writes the profile, stores the secret, proves it" {
	oidc_start
	existing_config
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure work \
		--token-url "$OIDC_TOKEN_URL" --client-id post-client --scope "api:read api:write" \
		--store "file ~/.config/ccred/work.secret" --url https://git.work.example'
	assert_success
	assert_output ''
	[[ $stderr == *"wrote profile 'work' to $CONF"* ]]
	[[ $stderr == *"stored the client secret in file $HOME/.config/ccred/work.secret"* ]]
	[[ $stderr == *"a real token request works: the endpoint issued a Bearer token valid 300 s, scope 'api:read api:write'"* ]]
	[[ $stderr == *"done: profile 'work'"* ]]
	assert_equal "$(oidc_grants post-client)" 1
	# Everything but profile work is byte for byte what it was.
	run diff <(others_of "$BATS_TEST_TMPDIR/before") <(others_of "$CONF")
	assert_success
	# Profile work: its comment kept, the keys named replaced where they were.
	run awk '/^\[profile work\]/,/^$/' "$CONF"
	assert_output "[profile work]
# work's own comment stays
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read api:write
secret_store = file ~/.config/ccred/work.secret
url = https://git.work.example"
	run stat -c %a "$CONF"
	assert_output 600
	run grep -c post-secret-1 "$CONF"
	assert_output 0
	# The profile is usable as written.
	run "$CCRED" -p work token
	assert_success
}

@test "configure from options: a new config file and its directories, 0700" {
	oidc_start
	[ ! -e "$XDG_CONFIG_HOME/ccred" ]
	rmdir "$XDG_CONFIG_HOME"
	run --separate-stderr bash -c 'printf "%s\n" basic-secret-1 | "$CCRED" configure \
		--token-url "$OIDC_TOKEN_URL" --client-id basic-client --auth-method basic \
		--store "file ~/.config/ccred/default.secret"'
	assert_success
	run stat -c %a "$XDG_CONFIG_HOME" "$XDG_CONFIG_HOME/ccred" "$CONF"
	assert_output "700
700
600"
	run cat "$CONF"
	assert_output "[profile default]
token_url = $OIDC_TOKEN_URL
client_id = basic-client
auth_method = client_secret_basic
secret_store = file ~/.config/ccred/default.secret"
	# No temporary file is left behind.
	run ls -A "$XDG_CONFIG_HOME/ccred"
	assert_output "config
default.secret"
	assert_equal "$(oidc_grants basic-client)" 1
}

@test "configure: the issuer instead of the token URL, and the keyring" {
	oidc_start
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	CONF=$XDG_CONFIG_HOME/ccred/config
	existing_config
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure work \
		--issuer "$OIDC_ISSUER" --client-id post-client --store libsecret'
	assert_success
	[[ $stderr == *"stored the client secret in libsecret"* ]]
	run grep -E '^(issuer|token_url) = ' "$CONF"
	assert_line "issuer = $OIDC_ISSUER"
	refute_line --partial "token_url = $OIDC_TOKEN_URL"
	run secret-tool lookup client_id post-client issuer "$OIDC_ISSUER"
	assert_output post-secret-1
}

@test "configure: a wrong secret is reported with the provider's error; nothing is written" {
	oidc_start
	existing_config
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	run --separate-stderr bash -c 'printf "%s\n" not-the-secret | "$CCRED" configure work \
		--token-url "$OIDC_TOKEN_URL" --client-id post-client \
		--store "file ~/.config/ccred/work.secret"'
	assert_failure 77
	assert_output ''
	[[ $stderr == *"the token request failed: the provider rejected the request: invalid_client"* ]]
	[[ $stderr == *"nothing was written: the configuration and the stored secret (not the new one) are as they were; try again with 'ccred configure work'"* ]]
	[[ $stderr != *done* ]]
	# Proved before anything was written: the file, byte for byte, and no secret.
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	[ ! -e "$HOME/.config/ccred/work.secret" ]
	# The right secret writes it all.
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure work \
		--token-url "$OIDC_TOKEN_URL" --client-id post-client \
		--store "file ~/.config/ccred/work.secret"'
	assert_success
	[[ $stderr == *"done: profile 'work'"* ]]
	run grep -c "^client_id = post-client$" "$CONF"
	assert_output 1
}

# A profile that works, its secret in the real keyring, and a second profile
# of the same client (one keyring item: token endpoint + client_id).
working_keyring_profile() {
	oidc_start "$@"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	CONF=$XDG_CONFIG_HOME/ccred/config
	ccred_config "# mine
[profile work]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read

[profile twin]
token_url = $OIDC_TOKEN_URL
client_id = post-client"
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure work'
	assert_success
	[[ $stderr == *"stored the client secret in libsecret"* ]]
	[[ $stderr == *"done: profile 'work'"* ]]
}

@test "configure never loses a working secret: a wrong one leaves it in the keyring" {
	working_keyring_profile
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	run --separate-stderr bash -c 'echo WRONG | "$CCRED" configure work'
	assert_failure 77
	assert_output ''
	[[ $stderr == *"invalid_client"* ]]
	[[ $stderr == *"nothing was written: the configuration and the stored secret (not the new one) are as they were"* ]]
	[[ $stderr != *"stored the client secret"* ]]
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	run secret-tool lookup client_id post-client token_url "$OIDC_TOKEN_URL"
	assert_output post-secret-1
	# Both profiles of that client still get tokens, fresh from the server.
	run --separate-stderr "$CCRED" -p twin token
	assert_success
	run --separate-stderr "$CCRED" -p work logout
	run --separate-stderr "$CCRED" -p work token
	assert_success
	# The same from options with a new token URL: nothing moves either.
	run --separate-stderr bash -c 'echo WRONG | "$CCRED" configure work --scope api:write'
	assert_failure 77
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	run secret-tool lookup client_id post-client token_url "$OIDC_TOKEN_URL"
	assert_output post-secret-1
}

@test "configure: a changed client_id or endpoint with the secret kept carries it over" {
	local f=$BATS_TEST_TMPDIR/clients.json
	jq -n '[{client_id: "twin-a", client_secret: "twin-secret-1"},
		{client_id: "twin-b", client_secret: "twin-secret-1"}]' >"$f"
	oidc_start --clients="$f"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	CONF=$XDG_CONFIG_HOME/ccred/config
	run --separate-stderr bash -c 'printf "%s\n" twin-secret-1 | "$CCRED" configure work \
		--token-url "$OIDC_TOKEN_URL" --client-id twin-a --store libsecret'
	assert_success
	# A new client_id, the secret kept (nothing on stdin): the new keyring
	# item gets it, and a token comes for the new client.
	run --separate-stderr "$CCRED" configure work --client-id twin-b </dev/null
	assert_success
	[[ $stderr == *"no secret given; keeping what the stores hold"* ]]
	[[ $stderr == *"the secret of profile 'work' as it was goes with it"* ]]
	[[ $stderr == *"done: profile 'work'"* ]]
	run secret-tool lookup client_id twin-b token_url "$OIDC_TOKEN_URL"
	assert_output twin-secret-1
	assert_equal "$(oidc_grants twin-b)" 1
	run --separate-stderr "$CCRED" -p work token
	assert_success
	# The token URL becomes the issuer (another item), the secret kept.
	run --separate-stderr "$CCRED" configure work --issuer "$OIDC_ISSUER" </dev/null
	assert_success
	run secret-tool lookup client_id twin-b issuer "$OIDC_ISSUER"
	assert_output twin-secret-1
	run grep -c '^issuer = ' "$CONF"
	assert_output 1
}

@test "secret set says when it replaces a secret another profile uses" {
	working_keyring_profile
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" -p work secret set'
	assert_success
	[[ $stderr == *"this replaced the secret that profile 'twin' also uses (a stored secret belongs to the client, not to one profile)"* ]]
	[ "$(grep -c . <<<"$stderr")" -eq 2 ]
	# A profile of another client shares nothing: not a word.
	cat >>"$CONF" <<-EOF

	[profile lone]
	token_url = $OIDC_TOKEN_URL
	client_id = basic-client
	EOF
	run --separate-stderr bash -c 'printf "%s\n" basic-secret-1 | "$CCRED" -p lone secret set'
	assert_success
	[[ $stderr != *"replaced"* ]]
	run --separate-stderr bash -c 'printf "%s\n" basic-secret-1 | "$CCRED" -p lone secret set'
	assert_success
	[[ $stderr != *"replaced"* ]]
	# configure says it too when the proved secret replaces the shared one.
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure twin'
	assert_success
	[[ $stderr == *"this replaced the secret that profile 'work' also uses"* ]]
}

@test "configure: a value that would break the file is refused, nothing written" {
	existing_config
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	run --separate-stderr bash -c 'printf "%s\n" x | "$CCRED" configure work \
		--token-url http://auth.example.com/token --client-id c'
	assert_failure 78
	[[ $stderr == *"token_url: plain http to 'auth.example.com' would send the client secret in clear"* ]]
	[[ $stderr == *"nothing was written"* ]]
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	# A new profile needs a token URL and a client id: usage, nothing written.
	run --separate-stderr "$CCRED" configure fresh --client-id c </dev/null
	assert_failure 64
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	# A bad name is refused the same way.
	run --separate-stderr "$CCRED" configure 'bad name' --token-url https://a/t --client-id c </dev/null
	assert_failure 64
	[[ $stderr == *"bad profile name"* ]]
	# And the secret is never an argument.
	run --separate-stderr "$CCRED" configure work --secret s3cret
	assert_failure 64
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
}

@test "configure: a symbolic link to the config is written through and stays a link" {
	oidc_start
	mkdir -p "$HOME/dotfiles" "$XDG_CONFIG_HOME/ccred"
	printf '# kept in dotfiles\n' >"$HOME/dotfiles/ccred.conf"
	chmod 600 "$HOME/dotfiles/ccred.conf"
	ln -s "$HOME/dotfiles/ccred.conf" "$CONF"
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure dot \
		--token-url "$OIDC_TOKEN_URL" --client-id post-client --store "file ~/dot.secret"'
	assert_success
	[ -L "$CONF" ]
	run head -n 3 "$HOME/dotfiles/ccred.conf"
	assert_output "# kept in dotfiles

[profile dot]"
}

@test "configure: a read-only stack asks for no secret and is proved as it is" {
	oidc_start
	export CCRED_TEST_SECRET=post-secret-1
	run --separate-stderr "$CCRED" configure ci --token-url "$OIDC_TOKEN_URL" \
		--client-id post-client --store 'env CCRED_TEST_SECRET' </dev/null
	assert_success
	[[ $stderr == *"read-only store (env CCRED_TEST_SECRET); not asking for it"* ]]
	[[ $stderr == *"done: profile 'ci'"* ]]
	assert_equal "$(oidc_grants post-client)" 1
}

@test "configure on a terminal: asks for each value, the secret without echo" {
	oidc_start
	existing_config
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	local log=$BATS_TEST_TMPDIR/tty.log
	run pty_dialog "$log" 30 \
		'Token endpoint URL' "$OIDC_TOKEN_URL" \
		'Client id [old-client]' basic-client \
		'Scopes, space-separated' 'api:read' \
		'Client authentication' basic \
		'Where the client secret lives' 'file ~/.config/ccred/work.secret' \
		"Client secret for profile 'work'" basic-secret-1 \
		-- "$CCRED" configure work
	assert_success
	run cat "$log"
	assert_output --partial "Setting up profile 'work'"
	assert_output --partial "Scopes, space-separated ('-' for none) [old:scope]: api:read"
	assert_output --partial "done: profile 'work'"
	# Typed without echo: the terminal never showed it.
	refute_output --partial basic-secret-1
	run diff <(others_of "$BATS_TEST_TMPDIR/before") <(others_of "$CONF")
	assert_success
	run awk '/^\[profile work\]/,/^$/' "$CONF"
	assert_output "[profile work]
# work's own comment stays
token_url = $OIDC_TOKEN_URL
client_id = basic-client
scope = api:read
auth_method = client_secret_basic
secret_store = file ~/.config/ccred/work.secret
url = https://old.example.com"
	assert_equal "$(oidc_grants basic-client)" 1
}

@test "configure on a terminal: Enter keeps each current value" {
	oidc_start
	ccred_config "# mine
[profile keep]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = file ~/.config/ccred/keep.secret
secret_store = env CCRED_TEST_UNSET"
	printf '%s\n' post-secret-1 >"$HOME/.config/ccred/keep.secret"
	chmod 600 "$HOME/.config/ccred/keep.secret"
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	local log=$BATS_TEST_TMPDIR/tty.log
	run pty_dialog "$log" 30 \
		'Token endpoint URL' '' \
		'Client id [post-client]' '' \
		'Scopes' '' \
		'Client authentication' '' \
		'Where the client secret lives [file ~/.config/ccred/keep.secret]' '' \
		"Client secret for profile 'keep'" '' \
		-- "$CCRED" configure keep
	assert_success
	run cat "$log"
	assert_output --partial "no secret given; keeping what the stores hold"
	assert_output --partial "done: profile 'keep'"
	# The stack of two stores is kept, and nothing else moved.
	run grep -c '^secret_store = ' "$CONF"
	assert_output 2
	run grep -v -e '^token_url' -e '^client_id' -e '^scope' -e '^auth_method' -e '^issuer' "$CONF"
	assert_output "# mine
[profile keep]
secret_store = file ~/.config/ccred/keep.secret
secret_store = env CCRED_TEST_UNSET"
	assert_equal "$(oidc_grants post-client)" 1
}

@test "configure on a terminal: end of input cancels and writes nothing" {
	existing_config
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	local log=$BATS_TEST_TMPDIR/tty.log
	run pty_dialog "$log" 30 'Token endpoint URL' $'\x04' -- "$CCRED" configure work
	assert_failure 64
	run cat "$log"
	assert_output --partial "input ended; nothing was written"
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
}

@test "configure --generate-key on a terminal: asks each value, takes only a method a new key fits, asks for no key" {
	existing_config
	local log=$BATS_TEST_TMPDIR/tty.log
	run pty_dialog "$log" 30 \
		'Token endpoint URL' http://127.0.0.1:9/token \
		'Client id [old-client]' gen-client \
		'Scopes, space-separated' '' \
		'Client authentication' post \
		'answer again' private_key_jwt \
		'Where the client secret lives' 'file ~/.config/ccred/gen.pem' \
		-- "$CCRED" configure work --generate-key --key-type ed25519
	assert_success
	run cat "$log"
	assert_output --partial "auth_method client_secret_post uses a shared secret"
	assert_output --partial "stored a new private key of profile 'work' in file"
	assert_output --partial "no token request proved it"
	assert_output --partial '"crv":"Ed25519"'
	refute_output --partial "Client secret for profile"
	refute_output --partial PRIVATE
	assert_equal "$(stat -c %a "$HOME/.config/ccred/gen.pem")" 600
	run awk '/^\[profile work\]/,/^$/' "$CONF"
	assert_output --partial "auth_method = private_key_jwt"
	assert_output --partial "client_id = gen-client"
}
