#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs: code-server (a real VS Code
# served to a browser), the Node.js it requires, Chromium and playwright-core to
# drive it. Everything but the Debian packages lands in a gitignored cache, and
# each step is skipped when its result is already there, so CI can call this on
# every run.
set -euo pipefail

# Standard output carries only the NAME=path lines at the end; progress goes to stderr.
exec 3>&1 1>&2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$here/.e2e"

node_major=24
code_server_version=4.139.1
playwright_version=1.65.1
apt_packages=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
fi

# code-server 4.139 refuses older Node.js; the `node` package ships a full
# release, headers included, which its native modules compile against.
node_prefix="$cache/node"
node_bin="$node_prefix/node_modules/node/bin/node"
if ! [[ -x $node_bin && $("$node_bin" --version) == v$node_major.* ]]; then
  npm install --prefix "$node_prefix" --no-save --loglevel=error "node@$node_major"
fi
node_headers=("$node_prefix"/node_modules/node/node_modules/node-linux-*)

tools="$cache/tools"
installed_version() {
  "$node_bin" -p "require('$tools/node_modules/$1/package.json').version" 2>/dev/null || true
}
if [[ $(installed_version code-server) != "$code_server_version" ||
      $(installed_version playwright-core) != "$playwright_version" ]]; then
  PATH="$(dirname "$node_bin"):$PATH" npm_config_nodedir="${node_headers[0]}" \
    npm install --prefix "$tools" --no-save --loglevel=error \
    "code-server@$code_server_version" "playwright-core@$playwright_version"
fi

# The test reads where things are from these lines rather than knowing the layout.
cat >&3 <<EOF
NODE=$node_bin
CODE_SERVER=$tools/node_modules/code-server/out/node/entry.js
PLAYWRIGHT_CORE=$tools/node_modules/playwright-core
CHROMIUM=$(command -v chromium)
EOF
