#!/usr/bin/env bash
# Builds a Grype vulnerability database (schema v6) from vunnel-format records, offline: for an air-gapped
# organisation's own advisories, for tests, and for the local environment's sample database. Where the internet is
# reachable, use Grype's published database instead (README "Vulnerability gate").
#
#   npm run vulndb -- <records directory> <database file inside the project>
#
# The records directory holds one directory per provider (debian, github, …), each with results/*.json envelopes as
# vunnel writes them. The records are copied first: the build writes listings next to them.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

[ $# -eq 2 ] || die "usage: npm run vulndb -- <records directory> <database file>" \
  "records: one directory per provider (e.g. debian) holding results/*.json, as vunnel writes them"
records=$1 out=$2
[ -d "$records" ] || die "no records directory at $records" "give the directory that holds one directory per provider"
[ -x "$DP_BIN/vulndb" ] || bash "$DP_ROOT/scripts/toolchain/install.sh" vulndb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
cp -r "$records"/. "$work/in/"
rm -f "$work"/in/*/metadata.json "$work"/in/*/checksums
phase "vulndb: building from $(find "$work/in" -path '*/results/*' -type f | wc -l) record(s)"
"$DP_BIN/vulndb" -input "$work/in" -output "$work/db" >/dev/null ||
  die "building the database failed" "check the records against vunnel's schemas (the error above names the file)"
mkdir -p "$(dirname "$out")"
mv "$work/db/vulnerability.db" "$out"
phase "vulndb: $out"
