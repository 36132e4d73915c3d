#!/usr/bin/env bash
# Installs (or removes) the member-kiosk hub and its Mosquitto broker configuration on Debian/Ubuntu, idempotently.
#
#   sudo deploy/install-hub.sh --chain acme --broker-name hub.example.lan [--broker-ip 192.0.2.10] [options]
#
# Steps: Node 22 LTS, the member-hub system user, /opt/member-hub, hubctl, /etc/member-hub (hub.json,
# generated broker password and admin token, root-only), /var/lib/member-hub, and with
# --broker mosquitto (the default): Mosquitto, its TLS certificates (a private CA made with openssl
# unless --certs DIR gives ca.pem, server.pem and server.key), /etc/mosquitto/conf.d/member-kiosk.conf,
# /etc/mosquitto/member-kiosk (password file and ACL, written by the hub) and a path unit that
# reloads Mosquitto when the hub rewrites them. Then member-hub.service, enabled and started.
#
# Options:
#   --chain ID            chain id (topic segment) for a new hub.json (default: demo)
#   --broker mosquitto|external|embedded
#                         local Mosquitto with TLS (default); an existing broker such as EMQX (edit
#                         broker.url in hub.json, see docs/operations.md); the hub's embedded broker
#   --broker-name NAME    the name kiosks use to reach the broker (certificate and URL); repeatable
#   --broker-ip IP        an address kiosks use to reach the broker (certificate); repeatable
#   --certs DIR           use DIR/ca.pem, DIR/server.pem, DIR/server.key instead of making a CA
#   --http-port N         the hub's HTTP API port for a new hub.json (default 8080)
#   --bundle DIR          the release folder holding dist/ and package.json (default: this checkout)
#   --skip-runtime        do not install Node
#   --root DIR            install into DIR instead of / (image builds, tests); starts nothing
#   --dry-run             print every action, change nothing
#   --uninstall           remove the app, the units, hubctl and the Mosquitto drop-in (keeps data)
#   --purge               with --uninstall: also the config, the secrets, the database and the user
#   -h, --help            this help
#
# Exit codes: 0 done, 1 a step failed, 2 usage.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

bundle="$(cd "$here/.." && pwd)"
chain=demo; broker=mosquitto; names=(); ips=(); certs=""; http_port=8080
skip_runtime=0; uninstall=0; purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --chain) chain="${2:?}"; shift 2 ;;
    --broker) broker="${2:?}"; shift 2 ;;
    --broker-name) names+=("${2:?}"); shift 2 ;;
    --broker-ip) ips+=("${2:?}"); shift 2 ;;
    --certs) certs="${2:?}"; shift 2 ;;
    --http-port) http_port="${2:?}"; shift 2 ;;
    --bundle) bundle="${2:?}"; shift 2 ;;
    --skip-runtime) skip_runtime=1; shift ;;
    --root) set_root "${2:?}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-hub: unknown option $1" >&2; usage ;;
  esac
done
case "$broker" in mosquitto|external|embedded) ;; *) die "--broker must be mosquitto, external or embedded" 2 ;; esac
[[ "$chain" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "--chain: letters, digits, _ or -" 2
[[ "$http_port" =~ ^[0-9]+$ ]] || die "--http-port must be a number" 2
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] || die "--purge goes with --uninstall" 2
[ "$(id -u)" = 0 ] || [ "$DRY_RUN" = 1 ] || die "run as root (sudo)" 2

USER_NAME=member-hub
APP=/opt/member-hub
CONF=/etc/member-hub
STATE=/var/lib/member-hub
UNIT=member-hub.service
MQ=/etc/mosquitto/member-kiosk
MQ_DROPIN=/etc/mosquitto/conf.d/member-kiosk.conf
RELOAD=member-mosquitto-reload
CREATED_GROUPS="$CONF/.installer-created-groups"

if [ "$uninstall" = 1 ]; then
  say "uninstall"
  for u in "$UNIT" "$RELOAD.path"; do
    if unit_enabled "$u"; then
      if [ -z "$R" ]; then systemctl_cmd disable --now "$u"; else systemctl_cmd disable "$u"; fi
    fi
  done
  for f in "$UNIT" "$RELOAD.path" "$RELOAD.service"; do remove_path "/etc/systemd/system/$f"; done
  [ -n "$R" ] || act systemctl daemon-reload
  remove_path /usr/local/bin/hubctl
  remove_path "$APP"
  if [ -f "$R$MQ_DROPIN" ]; then
    remove_path "$MQ_DROPIN"
    [ -n "$R" ] || act systemctl try-restart mosquitto.service
  fi
  if [ "$purge" = 1 ]; then
    groups_made=""
    [ -f "$R$CREATED_GROUPS" ] && groups_made="$(cat "$R$CREATED_GROUPS")"
    remove_path "$MQ"
    remove_path "$CONF"
    remove_path "$STATE"
    mapfile -t p < <(prefix_flag)
    if user_exists "$USER_NAME"; then act userdel "${p[@]}" "$USER_NAME"; fi
    if group_exists "$USER_NAME"; then act groupdel "${p[@]}" "$USER_NAME"; fi
    for g in $groups_made; do
      if group_exists "$g"; then act groupdel "${p[@]}" "$g"; fi
    done
  else
    say "kept $CONF (secrets), $STATE (the database), $MQ and the $USER_NAME user: --uninstall --purge removes them"
  fi
  say "done"
  exit 0
fi

app_bundle_check "$bundle"
[ "$skip_runtime" = 1 ] || ensure_node
if [ "$broker" = mosquitto ]; then
  [ ${#names[@]} -gt 0 ] || [ -f "$R$CONF/hub.json" ] || die "--broker-name NAME is required: the name kiosks use to reach the broker" 2
  if [ -z "$R" ] && ! command -v mosquitto >/dev/null; then act apt-get install -y mosquitto; fi
fi

say "user"
[ "$broker" != mosquitto ] || ensure_group mosquitto
ensure_user "$USER_NAME" "$STATE"

say "directories"
ensure_dir "$CONF" 0750 root "$USER_NAME"
ensure_dir "$STATE" 0750 "$USER_NAME" "$USER_NAME"
for g in "${NEW_GROUPS[@]}"; do act sh -c "echo $g >> '$R$CREATED_GROUPS'"; done

# pg-native (PostgreSQL store) builds against libpq: headers and a compiler, when npm ci runs here.
if [ -z "$R" ] && ! dpkg -s libpq-dev >/dev/null 2>&1; then act apt-get install -y libpq-dev build-essential python3; fi
install_application "$bundle" optional
write_file /usr/local/bin/hubctl 0755 root root <<EOF
#!/bin/sh
# hubctl: the member-kiosk hub's command-line tool (installed by deploy/install-hub.sh).
: "\${HUBCTL_TOKEN_FILE:=$CONF/admin-token}"
: "\${HUBCTL_URL:=http://127.0.0.1:$http_port}"
export HUBCTL_TOKEN_FILE HUBCTL_URL
exec /usr/bin/node $APP/dist/hub/cli.js "\$@"
EOF

say "secrets (root-only; systemd hands the hub copies with LoadCredential=)"
random_secret() { tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 40 || true; }
if [ ! -s "$R$CONF/broker-password" ]; then
  random_secret | write_file "$CONF/broker-password" 0600 root root
fi
if [ ! -s "$R$CONF/admin-token" ]; then
  tok="$(random_secret)"
  printf '%s\n' "$tok" | write_file "$CONF/admin-token" 0600 root root
  printf '%s' "$tok" | sha256sum | cut -d' ' -f1 | write_file "$CONF/admin-token.sha256" 0600 root root
fi

url_host="${names[0]:-${ips[0]:-localhost}}"
if [ "$broker" = mosquitto ]; then
  say "mosquitto: TLS certificates, password file and ACL"
  ensure_dir /etc/mosquitto 0755 root root
  ensure_dir /etc/mosquitto/conf.d 0755 root root
  # setgid: the files the hub writes here belong to group mosquitto, so the broker can read them.
  ensure_dir "$MQ" 2750 "$USER_NAME" mosquitto
  ensure_dir "$MQ/certs" 2755 root mosquitto
  for f in passwd acl; do
    [ -f "$R$MQ/$f" ] || : | write_file "$MQ/$f" 0640 "$USER_NAME" mosquitto
  done
  if [ -n "$certs" ]; then
    pki="$certs"
  else
    pki="$R$CONF/pki"
    cert_args=()
    for n in "${names[@]}"; do cert_args+=(--name "$n"); done
    for i in "${ips[@]}"; do cert_args+=(--ip "$i"); done
    if [ ! -s "$pki/server.pem" ]; then act bash "$here/make-test-certs.sh" "$pki" "${cert_args[@]}"; fi
  fi
  if [ "$DRY_RUN" = 0 ] || [ -f "$pki/ca.pem" ]; then
    install_file "$pki/ca.pem" "$MQ/certs/ca.pem" 0644 root root
    install_file "$pki/server.pem" "$MQ/certs/server.pem" 0644 root root
    install_file "$pki/server.key" "$MQ/certs/server.key" 0640 root mosquitto
  else
    act install -m 0644 "$pki/ca.pem" "$R$MQ/certs/ca.pem"
  fi
fi

say "configuration"
if [ ! -f "$R$CONF/hub.json" ]; then
  case "$broker" in
    mosquitto) broker_json="{ \"mode\": \"external\", \"url\": \"mqtts://$url_host:8883\", \"username\": \"hub\", \"passwordFile\": \"$CONF/broker-password\", \"caFile\": \"$MQ/certs/ca.pem\" }"
      extra=",
  \"mosquitto\": { \"passwordFile\": \"$MQ/passwd\", \"aclFile\": \"$MQ/acl\" },
  \"provisioning\": { \"brokerUrl\": \"mqtts://$url_host:8883\", \"caFile\": \"$MQ/certs/ca.pem\" }" ;;
    external) broker_json="{ \"mode\": \"external\", \"url\": \"mqtts://CHANGE-ME:8883\", \"username\": \"hub\", \"passwordFile\": \"$CONF/broker-password\" }"; extra="" ;;
    embedded) broker_json="{ \"mode\": \"embedded\", \"host\": \"0.0.0.0\", \"port\": 1883 }"; extra="" ;;
  esac
  write_file "$CONF/hub.json" 0640 root "$USER_NAME" <<EOF
{
  "chainId": "$chain",
  "dataDir": "$STATE",
  "http": { "host": "0.0.0.0", "port": $http_port },
  "broker": $broker_json,
  "store": { "kind": "sqlite", "ingestWorkers": 1 },
  "adminTokenHashFile": "$CONF/admin-token.sha256"$extra,
  "logLevel": "info"
}
EOF
fi

if [ "$broker" = mosquitto ]; then
  conf_tmp="$(mktemp)"
  if [ "$DRY_RUN" = 0 ]; then
    "$R/usr/bin/node" "$R$APP/dist/hub/cli.js" broker mosquitto-conf --config "$R$CONF/hub.json" \
      --cafile "$MQ/certs/ca.pem" --certfile "$MQ/certs/server.pem" --keyfile "$MQ/certs/server.key" > "$conf_tmp"
    # The config names the files as on the target, not under --root.
    sed -i "s#$R/#/#g" "$conf_tmp"
    install_file "$conf_tmp" "$MQ_DROPIN" 0644 root root
  else
    act sh -c "hubctl broker mosquitto-conf --config $CONF/hub.json --cafile $MQ/certs/ca.pem --certfile $MQ/certs/server.pem --keyfile $MQ/certs/server.key > $R$MQ_DROPIN"
  fi
  rm -f "$conf_tmp"
  if [ -f "$R/etc/mosquitto/mosquitto.conf" ] && ! grep -q '^include_dir /etc/mosquitto/conf.d' "$R/etc/mosquitto/mosquitto.conf"; then
    echo "warning: /etc/mosquitto/mosquitto.conf does not include /etc/mosquitto/conf.d; add: include_dir /etc/mosquitto/conf.d" >&2
  fi
  install_file "$bundle/systemd/mosquitto-reload.path" "/etc/systemd/system/$RELOAD.path" 0644 root root
  install_file "$bundle/systemd/mosquitto-reload.service" "/etc/systemd/system/$RELOAD.service" 0644 root root
fi

say "systemd unit $UNIT"
install_file "$bundle/systemd/hub.service" "/etc/systemd/system/$UNIT" 0644 root root
[ -n "$R" ] || act systemctl daemon-reload
unit_enabled "$UNIT" || systemctl_cmd enable "$UNIT"
if [ "$broker" = mosquitto ]; then
  unit_enabled "$RELOAD.path" || systemctl_cmd enable "$RELOAD.path"
fi
if [ -z "$R" ]; then
  if [ "$broker" = mosquitto ]; then act systemctl restart mosquitto.service; act systemctl start "$RELOAD.path"; fi
  act systemctl restart "$UNIT"
  say "started: systemctl status $UNIT; hubctl devices"
else
  say "installed under $R"
fi
