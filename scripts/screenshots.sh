#!/usr/bin/env bash
# Refresh the README's screenshots from the browser journeys (real Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test.sh -q -p no:logging tests/test_a11y.py tests/test_journeys.py \
  tests/test_diligence_browser.py tests/test_reminder_browser.py tests/test_baas_browser.py
mkdir -p docs/screenshots
for name in a11y-home:dashboard a11y-vendor-list:vendor-list vendor-oversight-file:vendor-page \
            agreement:agreement work-queue:work-queue reminders:reminders mfa-enrol:two-factor; do
  cp "test-artifacts/${name%%:*}.png" "docs/screenshots/${name##*:}.png"
done
echo "docs/screenshots/ updated"
