# SPDX-License-Identifier: MIT
# The one test environment: an isolated HOME, the user config and its
# profiles.  Sourced by common.bash, so every .bats file has it.
#
#   ccred_env [DIR]            HOME and every XDG dir under DIR (default
#                              $BATS_TEST_TMPDIR), CCRED_SYSCONFDIR=DIR/etc
#                              (no installed system config), nothing of the
#                              caller's: no profile selection, no session bus
#                              or display, no proxy, no credentials directory;
#                              git kept off the machine's config and never
#                              prompting.  Sets CONFIG (the user config's
#                              path) and CACHE (where cache entries go).
#   ccred_config [TEXT]        TEXT (a newline added), or stdin, becomes the
#                              user config $CONFIG, mode 0600 (CONFIG is set
#                              anew from XDG_CONFIG_HOME: a keyring session
#                              started since has a HOME of its own)
#   ccred_profile NAME [KEY=VALUE...]
#                              appends [profile NAME] to $CONFIG: each
#                              KEY=VALUE as a line, after the defaults in
#                              the array CCRED_PROFILE_DEFAULTS for the keys
#                              not given (an entry KEY=@VAR takes $VAR's
#                              value when the profile is written, e.g.
#                              token_url=@OIDC_TOKEN_URL after a restart)
#   ccred_secret_file VALUE    the client secret in a 0600 file of its own;
#                              sets SECRET_FILE (VALUE goes through printf,
#                              a builtin: never onto a command line)
#   ccred_caller_env           for the callers' tests (callers, cargo,
#                              terraform): ccred_env, post-client's secret in
#                              SECRET_FILE, the real oidc-provider, and
#                              profiles for post-client reading SECRET_FILE

ccred_env() {
	local d=${1:-$BATS_TEST_TMPDIR}
	mkdir -p "$d/home/.config" "$d/home/.cache" "$d/home/.local/share" "$d/run" "$d/etc"
	chmod 700 "$d/home" "$d/run"
	export HOME=$d/home XDG_CONFIG_HOME=$d/home/.config XDG_CACHE_HOME=$d/home/.cache \
		XDG_DATA_HOME=$d/home/.local/share XDG_RUNTIME_DIR=$d/run CCRED_SYSCONFDIR=$d/etc
	unset CCRED_PROFILE CCRED_CONFIG DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY \
		CREDENTIALS_DIRECTORY KUBERNETES_EXEC_INFO DOCKER_CONFIG POST_SECRET \
		http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
	export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
	CONFIG=$XDG_CONFIG_HOME/ccred/config
	CACHE=$XDG_RUNTIME_DIR/ccred
}

ccred_config() {
	# where the user config is now: a keyring session started since moves HOME
	CONFIG=$XDG_CONFIG_HOME/ccred/config
	mkdir -p "${CONFIG%/*}"
	if [ $# -gt 0 ]; then
		printf '%s\n' "$1" >"$CONFIG"
	else
		cat >"$CONFIG"
	fi
	chmod 600 "$CONFIG"
}

ccred_profile() {
	local name=$1 kv def key given v
	shift
	CONFIG=$XDG_CONFIG_HOME/ccred/config
	mkdir -p "${CONFIG%/*}"
	{
		printf '[profile %s]\n' "$name"
		for def in ${CCRED_PROFILE_DEFAULTS[@]+"${CCRED_PROFILE_DEFAULTS[@]}"}; do
			key=${def%%=*}
			given=
			for kv in "$@"; do
				[ "${kv%%=*}" != "$key" ] || given=1
			done
			[ -z "$given" ] || continue
			v=${def#*=}
			if [[ $v == @* ]]; then
				v=${v#@}
				v=${!v}
			fi
			printf '%s = %s\n' "$key" "$v"
		done
		for kv in "$@"; do
			printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"
		done
	} >>"$CONFIG"
	chmod 600 "$CONFIG"
}

ccred_secret_file() {
	SECRET_FILE=$BATS_TEST_TMPDIR/client-secret
	(umask 077 && printf '%s\n' "$1" >"$SECRET_FILE")
}

ccred_caller_env() {
	ccred_env
	mkdir -p "${CONFIG%/*}"
	ccred_secret_file post-secret-1
	oidc_start || return 1
	CCRED_PROFILE_DEFAULTS=(token_url=@OIDC_TOKEN_URL client_id=post-client
		"secret_store=file $SECRET_FILE")
}
