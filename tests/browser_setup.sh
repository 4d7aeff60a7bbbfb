#!/usr/bin/env bash
# Install what tests/test_editor_browser.py needs: Debian's Chromium and the Python `playwright` package.
# Never runs `playwright install` (that downloads a browser); the test drives /usr/bin/chromium instead.
# Exits 0 with a message when something cannot be installed: the browser test then skips, saying why.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    echo "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: installing with apt-get"
    if ! (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium); then
        echo "chromium: apt-get install failed; the browser test will be skipped"
    fi
else
    echo "chromium: missing and cannot install (needs root and apt-get); the browser test will be skipped"
fi

if "$PY" -c "import playwright" >/dev/null 2>&1; then
    echo "playwright: present ($("$PY" -m pip show playwright 2>/dev/null | sed -n 's/^Version: //p'))"
elif "$PY" -m pip install -q playwright; then
    echo "playwright: installed into $("$PY" -c 'import sys; print(sys.prefix)')"
else
    echo "playwright: pip install failed; the browser test will be skipped"
fi
exit 0
