#!/usr/bin/env bash
# Lighthouse (accessibility, best practices, SEO) on the public pages of a running service,
# mobile and desktop, with the Debian Chromium. Lighthouse is installed with npm into
# LIGHTHOUSE_DIR (outside the repository by default), once.
#
#   make run &                         # or any server with the demo loaded
#   tools/lighthouse.sh http://127.0.0.1:5000
#
# Prints one line per page and form factor, and every audit that did not pass.
set -euo pipefail
BASE="${1:-http://127.0.0.1:5000}"
LIGHTHOUSE_DIR="${LIGHTHOUSE_DIR:-$HOME/.cache/petition-service-lighthouse}"
OUT="${LIGHTHOUSE_OUT:-$(mktemp -d)}"
PAGES=("petition|/p/free-tran-thi-nga" "petition-vi|/p/free-tran-thi-nga?lang=vi"
       "organisation|/o/stopthecrackdownvn" "embed|/embed/free-tran-thi-nga"
       "organisation-embed|/o/stopthecrackdownvn/embed" "home|/")
FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking \
--disable-component-update --disable-sync --no-first-run --disable-quic"

if [ ! -x "$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse" ]; then
    mkdir -p "$LIGHTHOUSE_DIR"
    npm install --prefix "$LIGHTHOUSE_DIR" --no-audit --no-fund --silent lighthouse
fi
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
for spec in "${PAGES[@]}"; do
    name=${spec%%|*}; path=${spec#*|}
    for form in mobile desktop; do
        preset=(); [ "$form" = desktop ] && preset=(--preset=desktop)
        report="$OUT/$name-$form.json"
        "$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse" "$BASE$path" "${preset[@]}" --quiet \
            --only-categories=accessibility,best-practices,seo --chrome-flags="$FLAGS" \
            --output=json --output-path="$report"
        node -e '
const r = require(process.argv[1]); const c = r.categories;
console.log(process.argv[2], "lighthouse " + r.lighthouseVersion,
  Object.keys(c).map(k => k + "=" + Math.round(c[k].score * 100)).join(" "));
for (const k of Object.keys(c)) for (const a of c[k].auditRefs) {
  const audit = r.audits[a.id];
  if (a.weight > 0 && audit.score !== null && audit.score < 1)
    console.log("  not passed:", k, a.id, audit.explanation || audit.title);
}' "$report" "$name $form"
    done
done
