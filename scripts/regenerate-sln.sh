#!/usr/bin/env bash
# Rebuilds Platform.sln from every project in the tree (one source of truth: the .csproj files).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dirs=()
for d in services mlflow workflows activities tests; do [ -d "$d" ] && dirs+=("$d"); done
rm -f Platform.sln
dotnet new sln -n Platform --format sln >/dev/null
find "${dirs[@]}" -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*' | sort | xargs dotnet sln Platform.sln add >/dev/null
