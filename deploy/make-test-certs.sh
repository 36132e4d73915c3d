#!/usr/bin/env bash
# Makes a private CA and a TLS certificate for the MQTT broker with openssl, for a test or one-box install.
#
#   deploy/make-test-certs.sh OUT_DIR [--name hub.example.lan]... [--ip 192.0.2.10]... [--days 825] [--force]
#
# Writes OUT_DIR/ca.pem (hand it to kiosks: hub config provisioning.caFile), ca.key (keep offline),
# server.pem and server.key (for mosquitto.conf). An existing CA is reused, so kiosks that already
# trust it keep working; --force makes a new one. Production installs may use their own PKI instead.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
out="$1"; shift
names=(localhost); ips=(127.0.0.1); days=825; force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) names+=("$2"); shift 2 ;;
    --ip) ips+=("$2"); shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage ;;
    *) echo "make-test-certs: unknown option $1" >&2; usage ;;
  esac
done
command -v openssl >/dev/null || { echo "make-test-certs: openssl not found (apt-get install openssl)" >&2; exit 3; }
mkdir -p "$out"
umask 077

if [ "$force" = 1 ] || [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/CN=member-kiosk test CA" -keyout "$out/ca.key" -out "$out/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "made CA $out/ca.pem"
else
  echo "reusing CA $out/ca.pem"
fi

san=""
for n in "${names[@]}"; do san="${san:+$san,}DNS:$n"; done
for i in "${ips[@]}"; do san="${san:+$san,}IP:$i"; done
ext="$(mktemp)"; trap 'rm -f "$ext" "$out/server.csr"' EXIT
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" > "$ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -subj "/CN=${names[-1]}" -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$ext" -out "$out/server.pem" 2>/dev/null
chmod 644 "$out/ca.pem" "$out/server.pem"
chmod 600 "$out/ca.key" "$out/server.key"
openssl verify -CAfile "$out/ca.pem" "$out/server.pem" >/dev/null
echo "made server certificate $out/server.pem for $san"
