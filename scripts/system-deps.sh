#!/usr/bin/env bash
# Install what the project needs from the system package manager, only when missing:
#   fonts  — CJK fonts so charts show Chinese glyphs (fonts-noto-cjk) and a TrueType CJK face
#            that Chromium embeds by name in report PDFs (fonts-wqy-microhei)
#   browser — Debian's chromium (offline browser tests, `dealresearch report --pdf`) and
#             poppler-utils (pdftotext / pdffonts for the PDF test)
# Usage: scripts/system-deps.sh fonts|browser
set -euo pipefail
what=${1:?usage: system-deps.sh fonts|browser}

have_font() { command -v fc-list >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; }
have_ttf_font() { command -v fc-list >/dev/null && fc-list :lang=zh fontformat=TrueType file 2>/dev/null | grep -qv '\.otf\|\.otc\|CJK'; }
have_browser() { command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; }
have_pdftools() { command -v pdftotext >/dev/null && command -v pdffonts >/dev/null; }

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
    if [ "$(uname)" != "Linux" ] || { have_font && have_ttf_font; }; then exit 0; fi
    echo "== 安装中文字体 fonts-noto-cjk fonts-wqy-microhei"
    apt_install fonts-noto-cjk fonts-wqy-microhei fontconfig || echo "!! 未能安装中文字体，图表中文会显示为方框" >&2
    # matplotlib caches the font list: drop the cache so the new font is seen
    rm -rf "${MPLCONFIGDIR:-$HOME/.cache/matplotlib}"/fontlist-*.json 2>/dev/null || true
    ;;
  browser)
    if have_browser && have_pdftools; then exit 0; fi
    echo "== 安装 chromium 与 poppler-utils（离线浏览器测试、PDF 报告）"
    apt_install chromium poppler-utils
    ;;
  *) echo "unknown: $what" >&2; exit 2 ;;
esac
