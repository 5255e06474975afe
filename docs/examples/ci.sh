#!/usr/bin/env bash
# A CI gate for a repository of rulebooks (marginbook installed as a dev dependency): on every change
# to rules/, check, test and verify every rulebook; for each changed rulebook, diff it against the
# base revision with impact on its reference set and fail on any version-discipline warning, writing
# the review record; then compile it. Any step that a release must not pass exits non-zero.
#
#   BASE=origin/main bash docs/examples/ci.sh
#
# BASE        the revision to compare with (default HEAD~1)
# MARGINBOOK  how to run marginbook (default: npx --no-install marginbook)
# OUT         where review records and artifacts go (default: ci-out/)
# A rulebook's reference set is rules/<name>.reference.yaml when it exists, else generate:2000.
set -euo pipefail
base="${BASE:-HEAD~1}"
out="${OUT:-ci-out}"
read -r -a mb <<< "${MARGINBOOK:-npx --no-install marginbook}"
mkdir -p "$out"

"${mb[@]}" check rules/
"${mb[@]}" test rules/
"${mb[@]}" verify rules/

git diff --name-only "$base" -- 'rules/*.margin' | while read -r file; do
  name="$(basename "$file" .margin)"
  if [ ! -f "$file" ]; then echo "removed: $file"; continue; fi
  if git cat-file -e "$base:$file" 2>/dev/null; then
    reference="rules/$name.reference.yaml"
    [ -f "$reference" ] || reference="generate:2000"
    "${mb[@]}" diff "$file@$base" "$file" --impact "$reference" --fail-on warning --format json --out "$out/$name.review.json"
  fi
  "${mb[@]}" compile "$file" -o "$out/$name.json"
done
