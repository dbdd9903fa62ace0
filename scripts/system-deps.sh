#!/usr/bin/env bash
# Install what the project needs from the system package manager, only when missing:
#   fonts  — a CJK font so charts show Chinese glyphs (fonts-noto-cjk)
#   browser — Debian's chromium for the offline browser tests
# Usage: scripts/system-deps.sh fonts|browser
set -euo pipefail
what=${1:?usage: system-deps.sh fonts|browser}

have_font() { command -v fc-list >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; }
have_browser() { command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; }

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "!! 请用系统的包管理器安装：$*（本脚本只支持 apt-get）" >&2
    return 1
  fi
  $sudo apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

case "$what" in
  fonts)
    if [ "$(uname)" != "Linux" ] || have_font; then exit 0; fi
    echo "== 安装中文字体 fonts-noto-cjk"
    apt_install fonts-noto-cjk fontconfig || echo "!! 未能安装中文字体，图表中文会显示为方框" >&2
    # matplotlib caches the font list: drop the cache so the new font is seen
    rm -rf "${MPLCONFIGDIR:-$HOME/.cache/matplotlib}"/fontlist-*.json 2>/dev/null || true
    ;;
  browser)
    if have_browser; then exit 0; fi
    echo "== 安装 chromium（离线浏览器测试）"
    apt_install chromium
    ;;
  *) echo "unknown: $what" >&2; exit 2 ;;
esac
