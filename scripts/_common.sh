# Shared by scripts/run.sh and scripts/test.sh: find Python >= 3.11 and keep .venv in step with a
# requirements file.

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "错误：需要 Python 3.11 或更高版本，但没有找到。请先安装（如 apt-get install python3），或用环境变量 PYTHON 指定解释器路径。" >&2
  echo "Error: Python >= 3.11 is required and was not found. Install it, or point PYTHON at an interpreter." >&2
  return 1
}

ensure_venv() {
  local requirements="$1" python stamp wanted
  if [ ! -x .venv/bin/python ]; then
    python=$(find_python) || exit 1
    echo "创建虚拟环境 .venv（$("$python" --version)）…"
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "错误：.venv 中的 Python 版本低于 3.11。请删除 .venv 后重试。" >&2
    exit 1
  }
  # Reinstall only when the requirements changed since the last install.
  wanted=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  stamp=".venv/.installed-$(basename "$requirements")"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "安装依赖（$requirements）…"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
  fi
}
