#!/bin/sh
# Keeps a kiosk's clock from starting before its last shutdown (a Raspberry Pi has no real-time clock): fake-hwclock's job, in one small script.
#
#   saved-clock save     [--state FILE]            writes the current time (UTC seconds) to FILE (never an
#                                                  older one, unless NTP has synchronised: --synced-flag FILE)
#   saved-clock restore  [--state FILE] [--dry-run] sets the clock to the saved time if the clock is behind it
#
# Installed as /usr/local/lib/member-kiosk/saved-clock by deploy/install-kiosk.sh and run by
# member-clock-restore.service (restore at boot, save at shutdown) and member-clock-save.timer (save
# every 15 minutes), so after a power cut the clock is at most 15 minutes plus the time the kiosk was
# off behind, and NTP (systemd-timesyncd) corrects it from there. Default FILE:
# /var/lib/member-kiosk-clock/saved. Exit codes: 0 done (or nothing to do), 1 failed, 2 usage.
set -eu
state=/var/lib/member-kiosk-clock/saved
synced=/run/systemd/timesync/synchronized
dry=0
cmd="${1:-}"; [ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --state) state="${2:?}"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --synced-flag) synced="${2:?}"; shift 2 ;;
    *) echo "saved-clock: unknown option $1" >&2; exit 2 ;;
  esac
done
now="$(date -u +%s)"
case "$cmd" in
  save)
    mkdir -p "$(dirname "$state")"
    # Never move the saved time backwards (a clock that started behind must not overwrite a good value),
    # unless NTP vouches for the clock (then a saved time in the future was the wrong one).
    if [ ! -e "$synced" ] && [ -s "$state" ] && [ "$(cat "$state")" -gt "$now" ] 2>/dev/null; then echo "saved-clock: the saved time is ahead of the clock; kept"; exit 0; fi
    printf '%s\n' "$now" > "$state.tmp"
    mv -f "$state.tmp" "$state"
    echo "saved-clock: saved $(date -u -d "@$now" '+%Y-%m-%d %H:%M:%S') UTC"
    ;;
  restore)
    if [ ! -s "$state" ]; then echo "saved-clock: nothing saved yet ($state)"; exit 0; fi
    saved="$(cat "$state")"
    case "$saved" in ''|*[!0-9]*) echo "saved-clock: $state does not hold a time; ignored" >&2; exit 0 ;; esac
    if [ "$now" -ge "$saved" ]; then echo "saved-clock: the clock is not behind the saved time; left alone"; exit 0; fi
    if [ "$dry" = 1 ]; then echo "saved-clock: would set the clock to @$saved ($(date -u -d "@$saved" '+%Y-%m-%d %H:%M:%S') UTC)"; exit 0; fi
    date -u -s "@$saved" >/dev/null
    echo "saved-clock: clock set forward to $(date -u -d "@$saved" '+%Y-%m-%d %H:%M:%S') UTC (saved at the last shutdown)"
    ;;
  *) awk 'NR>1 && /^#/{sub(/^# ?/,"");print;next} NR>1{exit}' "$0"; exit 2 ;;
esac
