#!/usr/bin/env bash
# Runs before `npm test` (and from .ci/run): PostgreSQL and Redis answer, and promtool is on the PATH.
# Starts what is down and installs what is missing where it can (as root, with Debian's tools);
# otherwise stops at once with one line naming the command to run.
set -euo pipefail

pg_url="${TEST_DATABASE_URL:-}"
redis_url="${TEST_REDIS_URL:-}"
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
is_root() { [ "$(id -u)" = 0 ]; }
fail() { echo "test prerequisites: $1" >&2; exit 1; }

# Services given by URL are the caller's to run; the defaults are started here when they are down.
if [ -z "$pg_url" ] && ! pg_up; then
  if is_root && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test prerequisites: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  else
    fail "PostgreSQL is not answering on 127.0.0.1:5432; start it (sudo pg_ctlcluster <version> main start) or set TEST_DATABASE_URL"
  fi
fi
if [ -z "$redis_url" ] && ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "test prerequisites: starting Redis"
    mkdir -p /tmp/steward-redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /tmp/steward-redis --logfile /tmp/steward-redis/redis.log || true
  else
    fail "Redis is not answering on 127.0.0.1:6379; install and start redis-server or set TEST_REDIS_URL"
  fi
fi
for _ in $(seq 1 60); do
  { [ -n "$pg_url" ] || pg_up; } && { [ -n "$redis_url" ] || redis_up; } && break
  sleep 1
done
[ -n "$pg_url" ] || pg_up || fail "PostgreSQL did not come up on 127.0.0.1:5432"
[ -n "$redis_url" ] || redis_up || fail "Redis did not come up on 127.0.0.1:6379"

# promtool checks the shipped alerting rules; Debian's prometheus package provides it.
if ! command -v promtool >/dev/null 2>&1; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "test prerequisites: installing promtool (Debian's prometheus package)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) ||
      fail "could not install promtool; run: sudo apt-get install prometheus"
  else
    fail "promtool is missing; run: sudo apt-get install prometheus"
  fi
fi
