#!/usr/bin/env bash
# Builds the release bundle that deploy/install-kiosk.sh and deploy/install-hub.sh install: compiled JavaScript, never TypeScript.
#
#   deploy/make-bundle.sh [--out DIR] [--with-deps [--with-optional]]   (DIR defaults to dist/release, which git ignores)
#
# Writes DIR/member-kiosk-<version>/ (dist/, package.json, package-lock.json, deploy/, systemd/,
# docs/, README.md) and DIR/member-kiosk-<version>.tar.gz. --with-deps adds the production
# node_modules: run it on the target architecture (arm64 for a Pi), because better-sqlite3 is native.
# Without it the installer runs `npm ci --omit=dev` on the target (kiosks also --omit=optional).
# --with-optional adds the optional dependencies: a hub bundle for the PostgreSQL store (pg-native).
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/release; deps=0; omit="--omit=optional"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?}"; shift 2 ;;
    --with-deps) deps=1; shift ;;
    --with-optional) omit=""; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-bundle: unknown option $1" >&2; exit 2 ;;
  esac
done
version="$(node -p 'require("./package.json").version')"
name="member-kiosk-$version"
npm run build
rm -rf "${out:?}/$name" "$out/$name.tar.gz"
mkdir -p "$out/$name"
tar -cf - --exclude=dist/release dist | tar -C "$out/$name" -xf -
cp -a package.json package-lock.json deploy systemd README.md "$out/$name/"
[ ! -d docs ] || cp -a docs "$out/$name/"
if [ "$deps" = 1 ]; then
  (cd "$out/$name" && npm ci --omit=dev $omit --no-audit --no-fund && touch node_modules/.member-kiosk-bundle)
fi
tar -C "$out" -czf "$out/$name.tar.gz" "$name"
echo "bundle: $out/$name.tar.gz"
