#!/usr/bin/env bash
# The one test command: installs what the tests need when it is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet test Diagnostics.sln -c Release --nologo "$@"
