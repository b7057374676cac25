#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ccred as a user at a terminal sees it: driven in tmux (send-keys, then
# capture-pane for what the screen shows), against the real oidc-provider.
# A wrong answer is asked again at its prompt, a typed secret never shows,
# Ctrl-C gives the terminal back with echo on and stores nothing, and a slow
# token request says what it waits for while it waits, then erases the line.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	command -v tmux >/dev/null || skip "tmux is not installed"
	ccred_env
	CONF=$XDG_CONFIG_HOME/ccred/config
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	unset TMUX
}

teardown() {
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || :
	ccred_test_teardown
}

tt() {
	tmux -S "$TMUX_SOCK" "$@"
}

# A shell in a fresh tmux server with this test's environment.
tmux_start() {
	tt -f /dev/null new-session -d -s t -x 200 -y 50 \
		"env PS1='sh\$ ' bash --norc --noprofile"
	tmux_wait 'sh$'   # (capture-pane drops trailing blanks)
}

# Types TEXT literally, then Enter.
tmux_type() {
	tt send-keys -t t -l -- "$1"
	tt send-keys -t t Enter
}

tmux_screen() {
	tt capture-pane -p -t t -S -500
}

# tmux_wait_count TEXT N [SECS]: until TEXT shows on at least N lines.
tmux_wait_count() {
	local deadline=$((SECONDS + ${3:-30}))
	while [ "$(tmux_screen | grep -cF -- "$1")" -lt "$2" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "no '$1' (x$2) on the screen in time:" >&2
			tmux_screen | grep . >&2
			return 1
		fi
		sleep 0.1
	done
}

tmux_wait() {
	tmux_wait_count "$1" 1 "${2:-30}"
}

# tmux_wait_rc NAME: until the line "NAME=STATUS" that the typed command
# line (`echo "NAME=$?"`) ends with has been printed; NAME_STATUS is set.
tmux_wait_rc() {
	local deadline=$((SECONDS + 60)) line
	until line=$(tmux_screen | grep -E "^$1=[0-9]+$"); do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "no $1=STATUS on the screen in time:" >&2
			tmux_screen | grep . >&2
			return 1
		fi
		sleep 0.1
	done
	printf -v "$1_STATUS" %s "${line#*=}"
}

@test "configure in tmux: a wrong answer is asked again at its prompt, the secret never shows" {
	oidc_start
	tmux_start
	tmux_type "\"\$CCRED\" configure work; echo \"rc=\$?\""
	tmux_wait 'Token endpoint URL'
	# Plain http to a remote host: refused right there, asked again.
	tmux_type http://auth.example.com/token
	tmux_wait "ccred: plain http to 'auth.example.com' would send the client secret in clear"
	tmux_wait_count 'Token endpoint URL' 2
	tmux_type not-a-url
	tmux_wait_count 'answer again' 2
	tmux_wait_count 'Token endpoint URL' 3
	tmux_type "$OIDC_TOKEN_URL"
	tmux_wait 'Client id'
	tmux_type ''
	tmux_wait 'The client id is needed.'
	tmux_wait_count 'Client id' 2
	tmux_type post-client
	tmux_wait 'Scopes'
	tmux_type api:read
	tmux_wait 'Client authentication'
	tmux_type md5
	tmux_wait 'Answer client_secret_post'
	tmux_wait_count 'Client authentication' 2
	tmux_type post
	tmux_wait 'Where the client secret lives'
	tmux_type 'Bad Store!'
	tmux_wait_count 'answer again' 3
	tmux_wait_count 'Where the client secret lives' 2
	tmux_type 'file ~/.config/ccred/work.secret'
	tmux_wait "Client secret for profile 'work'"
	tmux_type post-secret-1
	tmux_wait_rc rc
	run tmux_screen
	assert_output --partial "done: profile 'work'"
	assert_equal "$rc_STATUS" 0
	refute_output --partial post-secret-1
	# Every answer that was taken is in the profile, the wrong ones not.
	run cat "$CONF"
	assert_output "[profile work]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
auth_method = client_secret_post
secret_store = file ~/.config/ccred/work.secret"
	assert_equal "$(oidc_grants post-client)" 1
}

@test "secret set in tmux: the typed secret never appears on the screen" {
	oidc_start
	ccred_config "[profile t]
token_url = $OIDC_TOKEN_URL
client_id = post-client
secret_store = file ~/.config/ccred/t.secret"
	tmux_start
	tmux_type "\"\$CCRED\" -p t secret set; echo \"rc=\$?\""
	tmux_wait "Client secret for profile 't'"
	tmux_type post-secret-1
	tmux_wait_rc rc
	run tmux_screen
	assert_equal "$rc_STATUS" 0
	assert_output --partial "stored the client secret of profile 't'"
	refute_output --partial post-secret-1
	run cat "$HOME/.config/ccred/t.secret"
	assert_output post-secret-1
	# Echo is back on in the same terminal.
	tmux_type 'stty -a | tr " ;" "\n\n" | grep -x -- "-\?echo" | sed "s/^/mode:/"'
	tmux_wait 'mode:'
	run tmux_screen
	assert_line 'mode:echo'
}

@test "Ctrl-C in tmux: at the secret prompt and at a question, echo back on, nothing stored" {
	oidc_start
	ccred_config "# mine
[profile t]
token_url = $OIDC_TOKEN_URL
client_id = post-client
secret_store = file ~/.config/ccred/t.secret"
	cp "$CONF" "$BATS_TEST_TMPDIR/before"
	tmux_start
	# secret set: Ctrl-C with half a secret typed.  (The shell drops the rest
	# of a command line whose command Ctrl-C killed: the status comes after
	# the next prompt.)
	tmux_type '"$CCRED" -p t secret set'
	tmux_wait "Client secret for profile 't'"
	tt send-keys -t t -l half-typed
	tt send-keys -t t C-c
	tmux_wait_count 'sh$' 2
	tmux_type 'echo "rc=$?"'
	tmux_wait_rc rc
	assert_equal "$rc_STATUS" 130
	run tmux_screen
	refute_output --partial half-typed
	[ ! -e "$HOME/.config/ccred/t.secret" ]
	# configure with new answers: Ctrl-C at its secret prompt writes nothing.
	tmux_type '"$CCRED" configure t --scope api:write'
	tmux_wait_count "Client secret for profile 't'" 2
	tt send-keys -t t -l half-typed
	tt send-keys -t t C-c
	tmux_wait_count 'sh$' 4
	tmux_type 'echo "rc2=$?"'
	tmux_wait_rc rc2
	assert_equal "$rc2_STATUS" 130
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	[ ! -e "$HOME/.config/ccred/t.secret" ]
	# configure on a terminal: Ctrl-C at a question.
	tmux_type '"$CCRED" configure t'
	tmux_wait 'Token endpoint URL'
	tt send-keys -t t C-c
	tmux_wait_count 'sh$' 6
	run cmp "$BATS_TEST_TMPDIR/before" "$CONF"
	assert_success
	tmux_type 'stty -a | tr " ;" "\n\n" | grep -x -- "-\?echo" | sed "s/^/mode:/"'
	tmux_wait 'mode:'
	run tmux_screen
	assert_line 'mode:echo'
}

# A profile whose endpoint answers 429 (Retry-After: 1) three times: a
# token comes after about 3 s, on the 4th attempt.
slow_profile() {
	fault_start 429-then-ok --fail-first 3
	ccred_config "[profile slow]
token_url = $FAULT_URL
client_id = c
secret_store = env CCRED_TEST_SECRET
timeout = 20"
	export CCRED_TEST_SECRET=s
}

@test "progress in tmux: a slow request says what it waits for, then the line goes" {
	slow_profile
	tmux_start
	tmux_type "\"\$CCRED\" -p slow token >/dev/null; echo \"rc=\$?\""
	tmux_wait "ccred: waiting for $FAULT_URL (attempt "
	run tmux_screen
	assert_output --regexp "ccred: waiting for $FAULT_URL \(attempt [1-4] of 4, [0-9]+ s left\)"
	tmux_wait_rc rc
	run tmux_screen
	assert_equal "$rc_STATUS" 0
	refute_output --partial 'waiting for'
}

@test "progress through script(1): drawn after 2 s and erased; never when stderr is not a terminal" {
	slow_profile
	local log=$BATS_TEST_TMPDIR/tty.log
	run script -qfec "\"\$CCRED\" -p slow token" "$log"
	assert_success
	# The line, then "\r ESC [K" erasing it before the token is printed.
	run grep -c $'\r\e\\[Kccred: waiting for '"$FAULT_URL"' (attempt [1-4] of 4, [0-9]* s left)' "$log"
	assert_success
	run grep -c $'\r\e\\[Kfault-token-4' "$log"
	assert_output 1
	# stderr to a file, stdin and stdout on the terminal: not a byte of it.
	fault_stop
	slow_profile
	run script -qfec "\"\$CCRED\" -p slow token 2>'$BATS_TEST_TMPDIR/err'" "$log"
	assert_success
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output ''
	run grep -c 'waiting for' "$log"
	assert_output 0
}

@test "progress: a stalled endpoint shows it until the timeout, erased before the error" {
	fault_start stall
	ccred_config "[profile stall]
token_url = $FAULT_URL
client_id = c
secret_store = env CCRED_TEST_SECRET
timeout = 4"
	export CCRED_TEST_SECRET=s
	local log=$BATS_TEST_TMPDIR/tty.log
	run script -qfec "\"\$CCRED\" -p stall token" "$log"
	assert_failure 75
	run grep -c $'\r\e\\[Kccred: waiting for '"$FAULT_URL"' (attempt 1 of 4, [0-9] s left)' "$log"
	assert_success
	# The error line comes after the erase, on a clean line.
	run grep -c $'\r\e\\[Kccred: '"$FAULT_URL"': .*(gave up after 1 attempt)' "$log"
	assert_output 1
}
