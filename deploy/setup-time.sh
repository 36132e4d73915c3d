#!/usr/bin/env bash
# Sets up time on a kiosk (a Raspberry Pi has no real-time clock), idempotently: NTP from the store's source and a clock that never starts before the last shutdown.
#
#   sudo deploy/setup-time.sh [--ntp "SERVER..."] [options]      (deploy/install-kiosk.sh runs it)
#
# Steps: /etc/systemd/timesyncd.conf.d/member-kiosk.conf with NTP=<the store's NTP source> (the hub,
# or the store router; kept as it is when --ntp is not given), systemd-timesyncd enabled, and the
# saved clock (fake-hwclock's job): /usr/local/lib/member-kiosk/saved-clock with
# member-clock-restore.service (restores at boot, saves at shutdown) and member-clock-save.timer
# (saves every 15 minutes). See docs/operations.md "Time on the kiosks".
#
# Options:
#   --ntp "SERVER..."     the store's NTP servers, space-separated (host names or addresses)
#   --fallback-ntp "S..." FallbackNTP= (default: none, so a kiosk never quietly uses an outside pool)
#   --bundle DIR          the release folder holding systemd/ (default: this checkout)
#   --root DIR            install into DIR instead of / (image builds, tests); starts nothing
#   --dry-run             print every action, change nothing
#   --uninstall           remove the units, the script and the timesyncd drop-in (keeps the saved time)
#   --purge               with --uninstall: also the saved time
#   -h, --help            this help
#
# Exit codes: 0 done, 1 a step failed, 2 usage.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/lib.sh
. "$here/lib.sh"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

bundle="$(cd "$here/.." && pwd)"
ntp=""; fallback=""; uninstall=0; purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ntp) ntp="${2?}"; shift 2 ;;
    --fallback-ntp) fallback="${2?}"; shift 2 ;;
    --bundle) bundle="${2:?}"; shift 2 ;;
    --root) set_root "${2:?}"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "setup-time: unknown option $1" >&2; usage ;;
  esac
done
# Host names or addresses only: this ends up in a systemd config file.
for s in $ntp $fallback; do
  [[ "$s" =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]{0,252})$ ]] || die "--ntp/--fallback-ntp: '$s' is not a host name or address" 2
done
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] || die "--purge goes with --uninstall" 2
[ "$(id -u)" = 0 ] || [ "$DRY_RUN" = 1 ] || die "run as root (sudo)" 2

DROPIN=/etc/systemd/timesyncd.conf.d/member-kiosk.conf
HELPER=/usr/local/lib/member-kiosk/saved-clock
SAVED=/var/lib/member-kiosk-clock
UNITS=(member-clock-restore.service member-clock-save.service member-clock-save.timer)

# enabled_at TARGET UNIT: the [Install] symlink exists.
enabled_at() { [ -L "$R/etc/systemd/system/$1.wants/$2" ]; }
# remove_empty_dir PATH: rmdir when it exists and is empty (what `systemctl enable` created).
remove_empty_dir() { if [ -d "$R$1" ] && [ -z "$(ls -A "$R$1")" ]; then act rmdir "$R$1"; fi; }

if [ "$uninstall" = 1 ]; then
  say "time: uninstall"
  if enabled_at sysinit.target member-clock-restore.service; then systemctl_cmd disable member-clock-restore.service; fi
  if enabled_at timers.target member-clock-save.timer; then
    if [ -z "$R" ]; then systemctl_cmd disable --now member-clock-save.timer; else systemctl_cmd disable member-clock-save.timer; fi
  fi
  for u in "${UNITS[@]}"; do remove_path "/etc/systemd/system/$u"; done
  remove_empty_dir /etc/systemd/system/sysinit.target.wants
  remove_empty_dir /etc/systemd/system/timers.target.wants
  remove_path "$HELPER"
  remove_empty_dir /usr/local/lib/member-kiosk
  remove_empty_dir /usr/local/lib
  remove_path "$DROPIN"
  remove_empty_dir /etc/systemd/timesyncd.conf.d
  if [ "$purge" = 1 ]; then remove_path "$SAVED"; fi
  [ -n "$R" ] || { act systemctl daemon-reload; act systemctl try-restart systemd-timesyncd.service; }
  exit 0
fi

say "time: NTP (systemd-timesyncd)"
if [ -n "$ntp" ]; then
  write_file "$DROPIN" 0644 root root <<EOF
# Written by deploy/setup-time.sh: the store's NTP source (docs/operations.md "Time on the kiosks").
[Time]
NTP=$ntp
FallbackNTP=$fallback
EOF
elif [ -f "$R$DROPIN" ]; then
  say "time: keeping $(sed -n 's/^NTP=//p' "$R$DROPIN") from $DROPIN (--ntp changes it)"
else
  say "time: no --ntp given: timesyncd uses its built-in servers (they must be reachable; see docs/operations.md)"
fi
if [ -z "$R" ]; then
  if [ ! -x /lib/systemd/systemd-timesyncd ] && [ ! -x /usr/lib/systemd/systemd-timesyncd ]; then act apt-get install -y systemd-timesyncd; fi
  act timedatectl set-ntp true
  act systemctl restart systemd-timesyncd.service
fi

say "time: saved clock (restored at boot, saved at shutdown and every 15 minutes)"
install_file "$here/saved-clock.sh" "$HELPER" 0755 root root
for u in "${UNITS[@]}"; do install_file "$bundle/systemd/${u#member-}" "/etc/systemd/system/$u" 0644 root root; done
[ -n "$R" ] || act systemctl daemon-reload
enabled_at sysinit.target member-clock-restore.service || systemctl_cmd enable member-clock-restore.service
enabled_at timers.target member-clock-save.timer || systemctl_cmd enable member-clock-save.timer
if [ -z "$R" ]; then
  # Start now, so a shutdown saves the time from this boot on.
  act systemctl start member-clock-restore.service member-clock-save.timer
fi
