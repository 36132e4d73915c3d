# Shared by deploy/install-kiosk.sh and deploy/install-hub.sh: dry-run, an alternative root, idempotent steps.
#
# Every change goes through `act`, which prints it and runs it unless --dry-run. Paths are written
# as on the target system and prefixed with $ROOT (--root DIR installs into a directory tree, for
# tests and image builds: users are then added with useradd --prefix, units enabled with
# systemctl --root, and nothing is started).
# shellcheck shell=bash

ROOT="/"
DRY_RUN=0
R=""            # $ROOT without its trailing slash ("" for /)

die() { echo "error: $*" >&2; exit "${2:-1}"; }
say() { echo "== $*"; }

# act CMD...: print, then run unless dry-run.
act() {
  printf '+ %s\n' "$(printf '%q ' "$@" | sed 's/ $//')"
  [ "$DRY_RUN" = 1 ] || "$@"
}

set_root() {
  ROOT="$1"
  [ -d "$ROOT" ] || die "--root $ROOT: no such directory" 2
  ROOT="$(cd "$ROOT" && pwd)"
  if [ "$ROOT" = "/" ]; then R=""; else R="$ROOT"; fi
}

# shadow-utils flags that make them work on $ROOT's /etc files.
prefix_flag() { if [ -n "$R" ]; then printf -- '--prefix\n%s\n' "$R"; fi; }

group_exists() { grep -q "^$1:" "$R/etc/group" 2>/dev/null; }
user_exists() { grep -q "^$1:" "$R/etc/passwd" 2>/dev/null; }
uid_of() { awk -F: -v n="$1" '$1==n{print $3}' "$R/etc/passwd"; }
gid_of() { awk -F: -v n="$1" '$1==n{print $3}' "$R/etc/group"; }
user_in_group() { awk -F: -v g="$2" -v u="$1" '$1==g{n=split($4,a,",");for(i=1;i<=n;i++)if(a[i]==u)f=1}END{exit f?0:1}' "$R/etc/group"; }

# ensure_group NAME: creates a system group when missing (its name is added to NEW_GROUPS).
NEW_GROUPS=()
ensure_group() {
  if group_exists "$1"; then return; fi
  mapfile -t p < <(prefix_flag)
  act groupadd "${p[@]}" --system "$1"
  NEW_GROUPS+=("$1")
}

# ensure_user NAME HOME: a system user with its own group, no login.
ensure_user() {
  if user_exists "$1"; then return; fi
  mapfile -t p < <(prefix_flag)
  act useradd "${p[@]}" --system --user-group --home-dir "$2" --no-create-home --shell /usr/sbin/nologin --comment "$1 service" "$1"
}

# ensure_membership USER GROUP...
ensure_membership() {
  local user="$1"; shift
  local g
  for g in "$@"; do
    if user_in_group "$user" "$g"; then continue; fi
    mapfile -t p < <(prefix_flag)
    act usermod "${p[@]}" -a -G "$g" "$user"
  done
}

# owner_ids USER GROUP -> "uid:gid" from $ROOT's files (numeric, so a fake root needs no real user);
# in a dry run where the user does not exist yet, the names.
owner_ids() {
  local u g
  u="$(uid_of "$1")"; g="$(gid_of "$2")"
  if [ -n "$u" ] && [ -n "$g" ]; then echo "$u:$g"; else echo "$1:$2"; fi
}

# ensure_dir PATH MODE USER GROUP
ensure_dir() {
  local path="$R$1" ids
  ids="$(owner_ids "$3" "$4")"
  if [ -d "$path" ] && [ "$(stat -c '%a %u:%g' "$path")" = "$(printf '%o' "0$2") $ids" ]; then return; fi
  act install -d -m "$2" -o "${ids%%:*}" -g "${ids##*:}" "$path"
}

# install_file SRC DEST MODE USER GROUP: copies when the content, mode or owner differ.
install_file() {
  local dest="$R$2" ids
  ids="$(owner_ids "$4" "$5")"
  if [ -f "$dest" ] && cmp -s "$1" "$dest" && [ "$(stat -c '%a %u:%g' "$dest")" = "$(printf '%o' "0$3") $ids" ]; then return; fi
  act install -D -m "$3" -o "${ids%%:*}" -g "${ids##*:}" "$1" "$dest"
}

# write_file DEST MODE USER GROUP <<< CONTENT
write_file() {
  local tmp
  tmp="$(mktemp)"
  cat > "$tmp"
  install_file "$tmp" "$1" "$2" "$3" "$4"
  rm -f "$tmp"
}

# sync_tree SRC_DIR DEST_DIR: replaces DEST with a copy of SRC when they differ (root-owned, read-only for others).
sync_tree() {
  local dest="$R$2"
  if [ -d "$dest" ] && diff -rq --no-dereference "$1" "$dest" >/dev/null 2>&1; then return; fi
  act rm -rf "$dest.new"
  act mkdir -p "$dest.new"
  act cp -a "$1/." "$dest.new/"
  act chown -R 0:0 "$dest.new"
  act chmod -R u=rwX,go=rX "$dest.new"
  act rm -rf "$dest"
  act mv "$dest.new" "$dest"
}

remove_path() {
  local path="$R$1"
  if [ -e "$path" ] || [ -L "$path" ]; then act rm -rf "$path"; fi
}

systemctl_cmd() {
  if [ -n "$R" ]; then act systemctl --root="$R" "$@"; else act systemctl "$@"; fi
}

unit_enabled() { [ -L "$R/etc/systemd/system/multi-user.target.wants/$1" ]; }

# node_major: the major version of $ROOT's /usr/bin/node, or 0.
node_major() {
  local v
  v="$("$R/usr/bin/node" --version 2>/dev/null || true)"
  v="${v#v}"
  echo "${v%%.*}" | grep -E '^[0-9]+$' || echo 0
}

# ensure_node: Node 22 LTS from NodeSource's apt repository when /usr/bin/node is missing or older than 20.
ensure_node() {
  local major
  major="$(node_major)"
  if [ "$major" -ge 20 ]; then say "runtime: node v$major found"; return; fi
  if [ -n "$R" ]; then die "runtime: $R/usr/bin/node is missing or older than 20 (install it in the image, or --skip-runtime)"; fi
  say "runtime: installing Node 22 LTS (NodeSource apt repository)"
  act apt-get update
  act apt-get install -y ca-certificates curl gnupg
  act install -d -m 0755 /etc/apt/keyrings
  act sh -c 'curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg'
  act sh -c 'echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_22.x nodistro main" > /etc/apt/sources.list.d/nodesource.list'
  act apt-get update
  act apt-get install -y nodejs
}

# ensure_bun: Bun from npm (the bun package ships the binary for arm64 and x64).
ensure_bun() {
  if [ -x "$R/usr/local/bin/bun" ] || [ -x "$R/usr/bin/bun" ]; then say "runtime: bun found"; return; fi
  if [ -n "$R" ]; then die "runtime: bun is missing under $R (install it in the image, or --skip-runtime)"; fi
  ensure_node
  act npm install -g bun@1
}

# app_bundle_check DIR: a bundle is dist/ + package.json (+ node_modules/, or npm ci makes it).
app_bundle_check() {
  [ -d "$1/dist" ] || die "bundle $1 has no dist/: run npm run build first (ship compiled JavaScript, never compile on the device)" 2
  [ -f "$1/package.json" ] || die "bundle $1 has no package.json" 2
}

# Installs the bundle's compiled application and its production dependencies under $APP (both services).
# install_application DIR [optional]: "optional" also installs the optional dependencies (the hub:
# pg-native for its PostgreSQL store, compiled against libpq; if that build fails npm leaves it out).
install_application() {
  local bundle=$1 omit="--omit=optional"
  [ "${2:-}" != optional ] || omit=""
  say "application in $APP"
  ensure_dir "$APP" 0755 root root
  sync_tree "$bundle/dist" "$APP/dist"
  install_file "$bundle/package.json" "$APP/package.json" 0644 root root
  [ ! -f "$bundle/package-lock.json" ] || install_file "$bundle/package-lock.json" "$APP/package-lock.json" 0644 root root
  [ ! -d "$bundle/docs" ] || sync_tree "$bundle/docs" "$APP/docs"
  if [ -d "$bundle/node_modules" ] && [ -f "$bundle/node_modules/.member-kiosk-bundle" ]; then
    # A bundle built for this architecture carries its production dependencies.
    sync_tree "$bundle/node_modules" "$APP/node_modules"
  elif ! cmp -s "$R$APP/package-lock.json" "$R$APP/node_modules/.installed-lock.json"; then
    [ -z "$R" ] || die "no production node_modules in the bundle: build one on the target architecture (deploy/make-bundle.sh --with-deps)"
    # Production dependencies only; on a kiosk onoff (optional, compiled) is left out: the gpiod driver needs no addon.
    act sh -c "cd '$APP' && npm ci --omit=dev $omit --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock.json"
  fi
}
