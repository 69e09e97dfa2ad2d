#!/usr/bin/env bash
# Install vPDQ (PyPI `vpdq`, no wheel for this platform): it builds from source against ffmpeg's libav*
# development packages. Idempotent: does nothing when `import vpdq` already works. Called by CI.
#   usage: scripts/install-vpdq.sh [PYTHON]   (default: .venv/bin/python next to this repo, else python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${1:-}"
if [[ -z "$py" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then py="$here/.venv/bin/python"; else py="python3"; fi
fi
VPDQ_SPEC="${VPDQ_SPEC:-vpdq>=0.2.5,<0.3}"

if "$py" -c "import vpdq" 2>/dev/null; then
  echo "vpdq already importable by $py"
  exit 0
fi

debs=(pkg-config cmake build-essential libavcodec-dev libavformat-dev libavdevice-dev libavutil-dev
      libswscale-dev libswresample-dev libavfilter-dev)
missing=()
for d in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$py" -m pip install --quiet "$VPDQ_SPEC"
"$py" -c "import vpdq; print('vpdq installed:', vpdq.__file__)"
