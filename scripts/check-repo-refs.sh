#!/usr/bin/env bash
# Fails (listing file:line) when a source file or document refers to something outside the
# repository: the old `../shared/` reference folder, absolute machine paths, or the spec and
# design documents by a bare name instead of their homes under docs/spec/ and docs/design/.
# scripts/fix-shared-refs.sed rewrites the old forms: sed -E -i -f scripts/fix-shared-refs.sed FILE...
set -euo pipefail
cd "$(dirname "$0")/.."

# Each pattern is a Perl regex; a bare document name is fine when a path inside the repo
# (docs/spec/, docs/design/, or a relative spec/ or design/ link) comes right before it.
patterns=(
  '(?:\.\./)+shared\b|\bshared/(?:ipv8-spec|design|hooks)\b'
  '(?<![\w.-])/work/'
  '(?<![/\w-])PROTOCOL(?:\.md)?\s*§'
  '(?<![/\w-])PROTOCOL\.md'
  '(?<![/\w-])(?:UDP-FAILURES|ARCHITECTURE-STUDY|COMMUNITY-SDK)\b'
  '\budp-probes\b'
  'py-ipv8 §'
)
regex=$(IFS='|'; echo "${patterns[*]}")

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- . \
  ':!:scripts/check-repo-refs.sh' ':!:scripts/fix-shared-refs.sed' ':!:Cargo.lock' \
  | while read -r f; do [ -f "$f" ] && echo "$f"; done)

hits=$(printf '%s\0' "${files[@]}" | xargs -0 grep -nP -I -- "$regex" || true)
if [ -n "$hits" ]; then
  echo "references outside the repository (fix: sed -E -i -f scripts/fix-shared-refs.sed FILE...):" >&2
  echo "$hits" >&2
  echo >&2
  echo "files:" >&2
  echo "$hits" | cut -d: -f1 | sort -u | sed 's/^/  /' >&2
  exit 1
fi
echo "no references outside the repository (${#files[@]} files checked)"
