#!/usr/bin/env bash
# Installs (or removes) the member kiosk on Raspberry Pi OS Bookworm (arm64), idempotently.
#
#   sudo deploy/install-kiosk.sh [--hub URL --token T] [options]
#
# Steps: runtime (Node 22 LTS, or Bun), the member-kiosk system user in the gpio, video and lp groups,
# /opt/member-kiosk (compiled app, production dependencies), kioskctl, /etc/member-kiosk with a
# hardware config, /var/lib/member-kiosk, the member-kiosk.service unit (enabled), time (NTP from the
# store's source and a saved clock, deploy/setup-time.sh). With --hub and
# --token it provisions the kiosk (kioskctl provision) and starts it. Running it again changes
# nothing that is already right.
#
# Options:
#   --hub URL --token T   provision with a one-time token from the hub (hubctl provision-token)
#   --ntp "SERVER..."     the store's NTP source (the hub or the store router; docs/operations.md)
#   --no-time             leave time alone (an image that sets it up another way)
#   --bundle DIR          the release folder holding dist/ and package.json (default: this checkout)
#   --runtime node|bun    what runs the service (default node; the onoff GPIO driver needs node)
#   --skip-runtime        do not install a runtime
#   --root DIR            install into DIR instead of / (image builds, tests); starts nothing
#   --dry-run             print every action, change nothing
#   --uninstall           remove the app, the unit and kioskctl (keeps config, ledger and user)
#   --purge               with --uninstall: also the config, the ledger (unsynced sales!) and the user
#   -h, --help            this help
#
# Exit codes: 0 done, 1 a step failed, 2 usage.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

bundle="$(cd "$here/.." && pwd)"
runtime=node; skip_runtime=0; uninstall=0; purge=0; hub=""; token=""; ntp=""; time_setup=1
while [ $# -gt 0 ]; do
  case "$1" in
    --hub) hub="${2:?}"; shift 2 ;;
    --token) token="${2:?}"; shift 2 ;;
    --ntp) ntp="${2:?}"; shift 2 ;;
    --no-time) time_setup=0; shift ;;
    --bundle) bundle="${2:?}"; shift 2 ;;
    --runtime) runtime="${2:?}"; shift 2 ;;
    --skip-runtime) skip_runtime=1; shift ;;
    --root) set_root "${2:?}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-kiosk: unknown option $1" >&2; usage ;;
  esac
done
case "$runtime" in node|bun) ;; *) die "--runtime must be node or bun" 2 ;; esac
if { [ -n "$hub" ] && [ -z "$token" ]; } || { [ -z "$hub" ] && [ -n "$token" ]; }; then die "--hub and --token go together" 2; fi
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] || die "--purge goes with --uninstall" 2
[ "$(id -u)" = 0 ] || [ "$DRY_RUN" = 1 ] || die "run as root (sudo)" 2

USER_NAME=member-kiosk
APP=/opt/member-kiosk
CONF=/etc/member-kiosk
STATE=/var/lib/member-kiosk
UNIT=member-kiosk.service
CREATED_GROUPS="$CONF/.installer-created-groups"

# setup_time ARGS...: deploy/setup-time.sh with this run's --root and --dry-run.
setup_time() {
  local a=()
  [ -z "$R" ] || a+=(--root "$R")
  [ "$DRY_RUN" = 0 ] || a+=(--dry-run)
  bash "$here/setup-time.sh" "${a[@]}" "$@"
}

if [ "$uninstall" = 1 ]; then
  say "uninstall"
  if unit_enabled "$UNIT"; then
    if [ -z "$R" ]; then systemctl_cmd disable --now "$UNIT"; else systemctl_cmd disable "$UNIT"; fi
  fi
  remove_path "/etc/systemd/system/$UNIT"
  remove_path "/etc/systemd/system/$UNIT.d"
  [ -n "$R" ] || act systemctl daemon-reload
  remove_path /usr/local/bin/kioskctl
  remove_path "$APP"
  if [ "$time_setup" = 1 ]; then
    if [ "$purge" = 1 ]; then setup_time --uninstall --purge; else setup_time --uninstall; fi
  fi
  if [ "$purge" = 1 ]; then
    groups_made=""
    [ -f "$R$CREATED_GROUPS" ] && groups_made="$(cat "$R$CREATED_GROUPS")"
    remove_path "$CONF"
    remove_path "$STATE"
    mapfile -t p < <(prefix_flag)
    if user_exists "$USER_NAME"; then act userdel "${p[@]}" "$USER_NAME"; fi
    if group_exists "$USER_NAME"; then act groupdel "${p[@]}" "$USER_NAME"; fi
    for g in $groups_made; do
      if group_exists "$g"; then act groupdel "${p[@]}" "$g"; fi
    done
  else
    say "kept $CONF, $STATE (the ledger) and the $USER_NAME user: --uninstall --purge removes them"
  fi
  say "done"
  exit 0
fi

app_bundle_check "$bundle"
if [ "$skip_runtime" = 0 ]; then
  if [ "$runtime" = node ]; then ensure_node; else ensure_bun; fi
fi
if [ -z "$R" ] && ! command -v systemd-notify >/dev/null; then act apt-get install -y systemd; fi

say "user and groups"
# gpio, video and lp exist on Raspberry Pi OS; elsewhere they are made (and removed by --purge).
for g in gpio video lp; do ensure_group "$g"; done
ensure_user "$USER_NAME" "$STATE"
ensure_membership "$USER_NAME" gpio video lp

say "directories"
ensure_dir "$CONF" 0750 root "$USER_NAME"
ensure_dir "$STATE" 0750 "$USER_NAME" "$USER_NAME"
for g in "${NEW_GROUPS[@]}"; do act sh -c "echo $g >> '$R$CREATED_GROUPS'"; done

install_application "$bundle"
node_bin=/usr/bin/node
[ "$runtime" = node ] || node_bin=/usr/local/bin/bun
write_file /usr/local/bin/kioskctl 0755 root root <<EOF
#!/bin/sh
# kioskctl: the member kiosk's command-line tool (installed by deploy/install-kiosk.sh).
exec $node_bin $APP/dist/device/cli.js "\$@"
EOF

say "configuration"
if [ ! -f "$R$CONF/kiosk.json" ]; then
  # Hardware of a typical kiosk (docs/hardware.md); the identity comes from kioskctl provision.
  write_file "$CONF/kiosk.json" 0640 root "$USER_NAME" <<'EOF'
{
  "dataDir": "/var/lib/member-kiosk",
  "scan": { "source": { "driver": "rpicam" } },
  "printer": { "transport": "usblp", "device": "/dev/usb/lp0" },
  "gpio": {
    "driver": "gpiod",
    "gate": { "line": 17 },
    "greenLed": { "line": 27 },
    "redLed": { "line": 22 },
    "buzzer": { "line": 23 },
    "staffButton": { "line": 24 },
    "doorSensor": { "line": 25 }
  },
  "clock": { "driver": "timesyncd" },
  "logLevel": "info"
}
EOF
fi

if [ "$time_setup" = 1 ]; then
  if [ -n "$ntp" ]; then setup_time --bundle "$bundle" --ntp "$ntp"; else setup_time --bundle "$bundle"; fi
fi

say "systemd unit $UNIT"
install_file "$bundle/systemd/kiosk.service" "/etc/systemd/system/$UNIT" 0644 root root
if [ "$runtime" = bun ]; then
  write_file "/etc/systemd/system/$UNIT.d/runtime.conf" 0644 root root <<EOF
[Service]
ExecStart=
ExecStart=/usr/local/bin/bun $APP/dist/device/main.js --config $CONF/kiosk.json
EOF
else
  remove_path "/etc/systemd/system/$UNIT.d/runtime.conf"
fi
[ -n "$R" ] || act systemctl daemon-reload
unit_enabled "$UNIT" || systemctl_cmd enable "$UNIT"

if [ -n "$hub" ]; then
  say "provisioning"
  act "$R/usr/local/bin/kioskctl" provision --hub "$hub" --token "$token" --config "$CONF/kiosk.json"
fi
if [ -z "$R" ] && [ -f "$CONF/device-secret" ]; then
  act systemctl restart "$UNIT"
  say "started: systemctl status $UNIT; kioskctl status"
else
  say "installed; provision with: sudo kioskctl provision --hub URL --token T && sudo systemctl restart $UNIT"
fi
