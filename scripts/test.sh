#!/usr/bin/env bash
# 绿矿核查 — command 2: install what the tests need and run the whole suite (unit, AppTest, browser).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k import`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_common.sh
ensure_venv requirements-dev.txt

# Debian packages the tests use: the browser, a CJK font, a TrueType font and pdftotext. Installed when missing and
# possible (root with apt-get); otherwise the run stops here with what to install.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)  # prints the xlsx as offices do
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)  # a TrueType font for the PDF tests
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装测试所需的系统软件包：${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "错误：缺少测试所需的系统软件包：${missing[*]}。请以管理员身份运行 apt-get install ${missing[*]}。" >&2
    exit 1
  fi
fi

exec .venv/bin/python -m pytest "$@"
