#!/usr/bin/env bash
# The test command of the README: dependencies, formatting, vet, the race-
# enabled test suite, and the window smoke test under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go mod tidy -diff
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...   # pinned; v0.8.x is built for Go 1.26
go test -race -count=1 -timeout 30m ./...
# The engine once more on other kernels. camviz picks the CPU's best
# OpenBLAS kernels above; Prescott (SSE3, on every x86-64) sums in another
# order, and the purego build uses gonum's BLAS: a test that holds only on
# one kernel's rounding fails here, whatever machine this is.
if [ "$(uname -m)" = x86_64 ]; then
  OPENBLAS_CORETYPE=Prescott go test -count=1 ./inference/... ./cam/... ./metrics/
fi
go test -tags purego -count=1 ./inference/... ./cam/...
# Statistics over thousands of forward passes on the default model: too
# slow under the race detector, so they run once more without it.
go test -count=1 -run 'DefaultModelAccuracy|PointsAtTheDigit|BeatsRandomOnFaithfulness' ./digiteval/
if [ -x scripts/smoke.sh ]; then bash scripts/smoke.sh; fi
