import { createHash } from 'node:crypto';

/**
 * One synchronisation of a replica with the budget, atomic and in one round trip: grants, returns and
 * renews are the same call with a different `want`.
 *
 * KEYS: leases (hash replica -> slots), expiry (zset replica -> lease end, ms), wants (hash replica ->
 * slots wanted), meta (hash: epoch, since). ARGV: replica id, the epoch the replica last saw, keep (slots
 * the pool may be using when the script runs: they cannot be taken back), want (slots it would hold), total, lease TTL (ms), min per replica.
 * Returns { grant, epoch, share, contended (0/1), granted across all replicas }.
 *
 * Fencing: the epoch is born with the keys. When Redis lost them (a restart without persistence), the
 * replicas still hold their connections but Redis counts none, so for one lease TTL after a new epoch no
 * slot is granted beyond what a replica re-registers (at most what it uses): every live replica renews
 * inside that window, so the count is whole again before anything new is granted. A replica whose lease
 * is gone (stale epoch, or expired) is re-registered only as far as the total allows; it sheds the rest.
 *
 * Fair share: while another replica wants more than it holds, a replica is granted no more than
 * max(minPerReplica, floor(total / live replicas)) or what it uses, whichever is more (and sheds down to
 * its share as resources come back); with nobody waiting, a busy replica grows into every free slot.
 * Only the total ever grants a replica less than it uses (its lease was lost and others took the slots).
 */
export const BUDGET_SYNC_SCRIPT = `
local leases, expiry, wants, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, claimed = ARGV[1], ARGV[2]
local keep, want = tonumber(ARGV[3]), tonumber(ARGV[4])
local total, ttl, floor = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('HGET', meta, 'epoch')
local since
if not epoch then
  epoch = t[1] .. '.' .. t[2]
  since = now
  redis.call('DEL', leases, expiry, wants)
  redis.call('HSET', meta, 'epoch', epoch, 'since', since)
else
  since = tonumber(redis.call('HGET', meta, 'since'))
end
local dead = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
for _, r in ipairs(dead) do
  redis.call('HDEL', leases, r)
  redis.call('HDEL', wants, r)
end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', expiry, '-inf', now) end
local mine = redis.call('HGET', leases, id)
local recorded = claimed == epoch and mine ~= false
if recorded then mine = tonumber(mine) else mine = 0 end
local held = {}
local others = 0
local all = redis.call('HGETALL', leases)
for i = 1, #all, 2 do
  held[all[i]] = tonumber(all[i + 1])
  if all[i] ~= id then others = others + held[all[i]] end
end
local contended = false
local ws = redis.call('HGETALL', wants)
for i = 1, #ws, 2 do
  if ws[i] ~= id and tonumber(ws[i + 1]) > (held[ws[i]] or 0) then contended = true end
end
local live = redis.call('ZCARD', expiry)
if redis.call('ZSCORE', expiry, id) == false then live = live + 1 end
local share = math.max(floor, math.floor(total / live))
local target = want
if now < since + ttl then
  if recorded then target = math.min(target, mine) else target = math.min(target, keep) end
end
if contended then target = math.min(target, math.max(share, keep)) end
local grant = math.min(target, total - others)
if grant < 0 then grant = 0 end
if want == 0 and keep == 0 then
  redis.call('HDEL', leases, id)
  redis.call('HDEL', wants, id)
  redis.call('ZREM', expiry, id)
else
  if grant > 0 then redis.call('HSET', leases, id, grant) else redis.call('HDEL', leases, id) end
  redis.call('HSET', wants, id, want)
  redis.call('ZADD', expiry, now + ttl, id)
end
local c = 0
if contended then c = 1 end
return { grant, epoch, share, c, others + grant }
`;

/** SHA-1 of the script, for EVALSHA. */
export const BUDGET_SYNC_SHA = createHash('sha1').update(BUDGET_SYNC_SCRIPT).digest('hex');

/** The Redis keys of a budget, hash-tagged so that Redis Cluster keeps them in one slot. */
export function budgetKeys(key: string): [string, string, string, string] {
  const tag = `{${key}}`;
  return [`${tag}:leases`, `${tag}:expiry`, `${tag}:wants`, `${tag}:meta`];
}
