# SPDX-License-Identifier: MIT
# Helpers for the secret-store, configure and doctor tests.  Load after
# common:   setup() { load common; load setup-helpers; ccred_env; }
# (the environment, config and profiles: env.bash, through common)
#
#   extra_clients             writes $CLIENTS_FILE for oidc_start --clients=FILE
#                             (in setup_file too, for a file's one server):
#                             clients whose secrets a test chooses, exported as
#                             SPECIAL_SECRET, LONG_SECRET, SPACE_SECRET and
#                             WATCH_SECRET (never on a command line: they go
#                             through printf, a builtin, into pipes)
#   store_raw STORE CLIENT    the bytes STORE (libsecret | file) holds for
#                             CLIENT at $OIDC_TOKEN_URL (file: ~/.config/ccred/t.secret)
#   pty_dialog LOG TIMEOUT PROMPT ANSWER ... -- CMD ARGS...
#                             runs CMD on a pseudo-terminal (util-linux script),
#                             answers each PROMPT with ANSWER once it appears,
#                             records the whole terminal in LOG; CMD's status

extra_clients() {
	local f i
	f=$(_ccred_tmp)/clients.json
	# Every printable ASCII character a form or Basic header must escape.
	SPECIAL_SECRET='sp ace+plus&amp=eq%25pct/sl?q#h"dq'"'"'sq\bs:co@at~ti'
	LONG_SECRET=
	for ((i = 0; i < 4096; i++)); do
		LONG_SECRET+=${SPECIAL_SECRET:i % ${#SPECIAL_SECRET}:1}
	done
	SPACE_SECRET='space-secret-1  '
	WATCH_SECRET="watch-me-$RANDOM$RANDOM-in-every-cmdline"
	export SPECIAL_SECRET LONG_SECRET SPACE_SECRET WATCH_SECRET
	# Through the environment: a secret is never an argument, not even jq's.
	jq -n '[
		{client_id: "special-client", client_secret: env.SPECIAL_SECRET},
		{client_id: "specialb-client", client_secret: env.SPECIAL_SECRET,
		 token_endpoint_auth_method: "client_secret_basic"},
		{client_id: "long-client", client_secret: env.LONG_SECRET},
		{client_id: "space-client", client_secret: env.SPACE_SECRET},
		{client_id: "watch-client", client_secret: env.WATCH_SECRET}]' >"$f"
	chmod 600 "$f"
	CLIENTS_FILE=$f
}

store_raw() {
	case $1 in
	libsecret)
		secret-tool lookup client_id "$2" token_url "$OIDC_TOKEN_URL"
		;;
	file)
		# The file store ends the file with one newline.
		[ ! -e "$HOME/.config/ccred/t.secret" ] || head -c -1 "$HOME/.config/ccred/t.secret"
		;;
	esac
}

pty_dialog() {
	local log=$1 timeout=$2
	shift 2
	local -a pairs=()
	while [ "$1" != -- ]; do
		pairs+=("$1")
		shift
	done
	shift
	local dir fifo spid fd i off=0 deadline rc=0 cmd
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/pty.XXXXXX")
	fifo=$dir/in
	mkfifo "$fifo"
	: >"$log"
	printf -v cmd '%q ' "$@"
	script -qfec "$cmd" "$log" <"$fifo" >/dev/null 2>&1 &
	spid=$!
	exec {fd}>"$fifo"
	deadline=$((SECONDS + timeout))
	for ((i = 0; i < ${#pairs[@]}; i += 2)); do
		while ! tail -c +$((off + 1)) "$log" | grep -qF -- "${pairs[i]}"; do
			if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$spid" 2>/dev/null; then
				echo "pty_dialog: no prompt '${pairs[i]}' in time" >&2
				kill "$spid" 2>/dev/null
				break 2
			fi
			sleep 0.05
		done
		off=$(stat -c %s "$log")
		printf '%s\r' "${pairs[i + 1]}" >&"$fd"
	done
	wait "$spid" || rc=$?
	exec {fd}>&-
	return "$rc"
}
