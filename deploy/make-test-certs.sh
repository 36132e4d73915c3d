#!/usr/bin/env bash
# Makes a private CA and a TLS certificate for the MQTT broker with openssl, for a test or one-box install.
#
#   deploy/make-test-certs.sh OUT_DIR [--name hub.example.lan]... [--ip 192.0.2.10]... [--days 825] [--force]
#                             [--key-group mosquitto] [--backdate-days 2]
#
# Writes OUT_DIR/ca.pem (hand it to kiosks: hub config provisioning.caFile), ca.key (keep offline),
# server.pem and server.key (for mosquitto.conf). An existing CA is reused, so kiosks that already
# trust it keep working; --force makes a new one. server.key is 0600 for the user running this, or
# with --key-group G 0640 and group G (what Mosquitto, dropping to user mosquitto, needs to read it:
# --key-group mosquitto, run as root). The server certificate is valid from --backdate-days (default
# 2) days ago, so a kiosk whose clock restarts a little behind does not find it "not yet valid".
# Production installs may use their own PKI instead.
set -euo pipefail

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
out="$1"; shift
names=(localhost); ips=(127.0.0.1); days=825; force=0; key_group=""; backdate=2
while [ $# -gt 0 ]; do
  case "$1" in
    --name) names+=("$2"); shift 2 ;;
    --ip) ips+=("$2"); shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --force) force=1; shift ;;
    --key-group) key_group="${2:?}"; shift 2 ;;
    --backdate-days) backdate="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "make-test-certs: unknown option $1" >&2; usage ;;
  esac
done
case "$backdate" in ''|*[!0-9]*) echo "make-test-certs: --backdate-days must be a whole number" >&2; exit 2 ;; esac
if [ -n "$key_group" ] && ! getent group "$key_group" >/dev/null; then echo "make-test-certs: no group $key_group (install mosquitto first, or omit --key-group)" >&2; exit 2; fi
command -v openssl >/dev/null || { echo "make-test-certs: openssl not found (apt-get install openssl)" >&2; exit 3; }
mkdir -p "$out"
umask 077

# Certificates are signed with `openssl ca` (not `req -x509` / `x509 -req`), because it can set notBefore
# in the past (-startdate); its database is a throwaway folder.
cadb="$(mktemp -d)"; ext="$cadb/ext"; trap 'rm -rf "$cadb" "$out/server.csr" "$out/ca.csr"' EXIT
: > "$cadb/index.txt"
openssl rand -hex 16 > "$cadb/serial"
printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n' "$cadb" "$cadb" "$cadb" > "$cadb/ca.cnf"
from="$(date -u -d "-$backdate days" +%Y%m%d%H%M%SZ)"

if [ "$force" = 1 ] || [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.pem" ]; then
  printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' > "$cadb/ca-ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -subj "/CN=member-kiosk test CA" -keyout "$out/ca.key" -out "$out/ca.csr" 2>/dev/null
  openssl ca -batch -notext -selfsign -config "$cadb/ca.cnf" -keyfile "$out/ca.key" -in "$out/ca.csr" \
    -startdate "$from" -enddate "$(date -u -d "+3650 days" +%Y%m%d%H%M%SZ)" -extfile "$cadb/ca-ext" -out "$out/ca.pem" 2>/dev/null
  echo "made CA $out/ca.pem"
else
  echo "reusing CA $out/ca.pem"
fi

san=""
for n in "${names[@]}"; do san="${san:+$san,}DNS:$n"; done
for i in "${ips[@]}"; do san="${san:+$san,}IP:$i"; done
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectAltName=%s\n' "$san" > "$ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -subj "/CN=${names[-1]}" -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
openssl ca -batch -notext -config "$cadb/ca.cnf" -cert "$out/ca.pem" -keyfile "$out/ca.key" -in "$out/server.csr" \
  -startdate "$from" -enddate "$(date -u -d "+$days days" +%Y%m%d%H%M%SZ)" \
  -extfile "$ext" -out "$out/server.pem" 2>/dev/null
chmod 644 "$out/ca.pem" "$out/server.pem"
chmod 600 "$out/ca.key" "$out/server.key"
if [ -n "$key_group" ]; then
  chgrp "$key_group" "$out/server.key"
  chmod 640 "$out/server.key"
fi
openssl verify -CAfile "$out/ca.pem" "$out/server.pem" >/dev/null
echo "made server certificate $out/server.pem for $san"
