#!/usr/bin/env bash
# The container's entry point: the distill CLI (dev.distill.deploy.DistillMain) with the image's classpath.
# The same JVM flags as the ./distill launcher at the repository root, minus the build step.
#
# Launcher variables (not configuration keys; ConfigLoader ignores DISTILL_* names that match no key):
#   DISTILL_JAVA_OPTS    JVM options (default: heap at 60% of the container's memory; libtorch needs the rest)
#   DISTILL_HOME         working directory for defaults such as train-teacher's output (set by the image)
#   DISTILL_ACTIVE_LOCK  a file on a volume shared by an active and a standby student: the process holds an
#                        exclusive flock(2) on it while it runs, so the second replica waits here until the first
#                        one's process is gone, then starts (see docs/deployment.md, "The standby")
set -euo pipefail

if [ -n "${DISTILL_ACTIVE_LOCK:-}" ]; then
  mkdir -p "$(dirname "$DISTILL_ACTIVE_LOCK")"
  exec 9>>"$DISTILL_ACTIVE_LOCK"
  if ! flock --nonblock 9; then
    echo "distill: standby: waiting for the lock $DISTILL_ACTIVE_LOCK held by the active replica" >&2
    # flock(1) locks the open file behind fd 9 (flock(1)'s documented idiom), which this shell keeps and hands
    # to the JVM. In the foreground: a waiting standby (PID 1, no handler) ignores SIGTERM and is killed at the
    # end of its grace period, which is harmless as it holds no state.
    flock 9
    echo "distill: standby: took the lock; starting as the active replica" >&2
  fi
  # fd 9 stays open across exec: the lock is held for as long as the JVM runs
fi

# shellcheck disable=SC2086 # DISTILL_JAVA_OPTS is a list of options
exec java ${DISTILL_JAVA_OPTS:--XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError} \
  -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
  -Ddistill.home="${DISTILL_HOME:-/var/lib/distill}" \
  -cp "/opt/distill/classes:/opt/distill/lib/*" dev.distill.deploy.DistillMain "$@"
