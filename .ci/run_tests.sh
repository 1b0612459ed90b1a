#!/usr/bin/env bash
# pytest exits 5 when it collected nothing: that is a failure of the suite, say so plainly.
run_tests() {
  set +e
  "$@"
  local code=$?
  set -e
  if [ "$code" -eq 5 ]; then
    echo "pytest collected no tests" >&2
    return 1
  fi
  return "$code"
}
