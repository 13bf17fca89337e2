#!/usr/bin/env bash
# Packs the library packages, Recurrent.Diagnostics and Recurrent.Trainer (which depends on the first at the same
# version), with their symbol packages (.snupkg), into a folder that serves as a NuGet feed:
#   scripts/pack.sh [OUTPUT_DIR] [more dotnet pack arguments, e.g. --version-suffix preview.1]
# OUTPUT_DIR defaults to artifacts/packages. The version is Directory.Build.props' VersionPrefix. The build is a
# deterministic CI build (paths in the PDBs normalised), so the same commit gives the same assemblies.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-artifacts/packages}")
shift || true
mkdir -p "$out"
# Rebuilt, not built incrementally: assemblies left by an ordinary build (with local paths) would otherwise be packed.
dotnet build src/Trainer/Recurrent.Trainer.csproj -c Release --nologo --no-incremental -p:ContinuousIntegrationBuild=true "$@"
for project in src/Diagnostics/Recurrent.Diagnostics.csproj src/Trainer/Recurrent.Trainer.csproj; do
  dotnet pack "$project" -c Release -o "$out" --nologo --no-build -p:ContinuousIntegrationBuild=true "$@"
done
ls -1 "$out"/*.nupkg "$out"/*.snupkg
