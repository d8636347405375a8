#!/bin/sh
# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# Installs the Debian packages when they are missing and we may use apt; otherwise the
# browser tests skip themselves with a reason.
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
        || echo "ensure-chromium: apt-get install chromium failed; browser tests will be skipped" >&2
fi
exit 0
