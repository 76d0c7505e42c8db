"""The frontier's atomic steps, as Lua scripts run inside Redis.

Each step that must not be split by a crash (mark a request seen *and* queue
it; take a request *and* lease it *and* take its site's slot; finish a lease
*and* count the run down *and* add its stats) is one script, so Redis runs it
as one command. Times are Redis's own clock (``TIME``), never a worker's.

Keys (``P`` is PATROL_REDIS_PREFIX; one Redis, not a cluster: scripts reach
keys they compute):

- ``P:run:R`` hash: source, trigger, state (running | stopping), concurrency,
  delay_ms, max_pages, pending (queued + leased), pushed; ``P:run:R:q`` the
  run's queue (sorted set, score -priority, member ``seq|host|json`` so equal
  priorities stay first-in first-out); ``P:run:R:seen`` the run's duplicate
  filter; ``P:run:R:stats`` its summed stats; ``P:run:R:workers``.
- ``P:active`` list of running runs (rotated: one run per pop, round robin);
  ``P:finishing`` set of runs whose pending count reached zero.
- ``P:leases`` sorted set lease -> deadline (ms); ``P:leasedata`` hash
  lease -> ``run\\nscore\\nmember``; ``P:leaseowner`` lease -> worker.
- ``P:slot:HOST`` sorted set of leases downloading from HOST -> expiry;
  ``P:next:HOST`` the earliest time (ms) of HOST's next request.
"""

NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ARGV: P, run, fingerprint ('' = do not filter), priority, host, json
# -> 1 queued, 0 seen before, 2 over the run's max_pages, -1 the run is not running
PUSH = """
local P, run = ARGV[1], ARGV[2]
local R = P .. ':run:' .. run
if redis.call('HGET', R, 'state') ~= 'running' then return -1 end
if ARGV[3] ~= '' and redis.call('SADD', R .. ':seen', ARGV[3]) == 0 then return 0 end
local maxp = tonumber(redis.call('HGET', R, 'max_pages') or '0')
if maxp > 0 and tonumber(redis.call('HGET', R, 'pushed') or '0') >= maxp then return 2 end
local seq = redis.call('INCR', P .. ':seq')
redis.call('ZADD', R .. ':q', -tonumber(ARGV[4]), string.format('%016d', seq) .. '|' .. ARGV[5] .. '|' .. ARGV[6])
redis.call('HINCRBY', R, 'pending', 1)
redis.call('HINCRBY', R, 'pushed', 1)
return 1
"""

# Take a slot of HOST for TOKEN if it has one free and its delay has passed.
_ACQUIRE = """
local function acquire(P, host, token, conc, delay, ttl, now)
  local slot = P .. ':slot:' .. host
  redis.call('ZREMRANGEBYSCORE', slot, '-inf', now)
  local nextat = tonumber(redis.call('GET', P .. ':next:' .. host) or '0')
  if redis.call('ZCARD', slot) >= conc then return 50 end
  if now < nextat then return nextat - now end
  redis.call('ZADD', slot, now + ttl, token)
  redis.call('SET', P .. ':next:' .. host, now + delay, 'PX', delay + 600000)
  return 0
end
"""

# Give back the slots of downloads that ended, then take up to COUNT requests,
# each with a lease and a slot of its site, from the next runs in turn.
# ARGV: P, worker, lease_ms, slot_ttl_ms, max_runs_scanned, delay factor (0.5-1.5),
#       count, n, then n (host, lease) slots to give back
# -> {lease, run, member, lease, run, member, ...} or {'', wait_ms} (-1: nothing queued)
POP = NOW + _ACQUIRE + """
local P, worker = ARGV[1], ARGV[2]
local lease_ms, ttl, factor = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
local want = 3 * tonumber(ARGV[7])
for i = 1, tonumber(ARGV[8]) do
  redis.call('ZREM', P .. ':slot:' .. ARGV[7 + 2 * i], ARGV[8 + 2 * i])
end
local scan = math.min(redis.call('LLEN', P .. ':active'), tonumber(ARGV[5]))
local out, wait, i = {}, -1, 0
while i < scan and #out < want do
  i = i + 1
  local run = redis.call('LMOVE', P .. ':active', P .. ':active', 'LEFT', 'RIGHT')
  local R = P .. ':run:' .. run
  local conc = tonumber(redis.call('HGET', R, 'concurrency') or '1')
  local delay_ms = tonumber(redis.call('HGET', R, 'delay_ms') or '0')
  while #out < want do
    local head = redis.call('ZRANGE', R .. ':q', 0, 0, 'WITHSCORES')
    if #head == 0 then break end
    local member, score = head[1], head[2]
    local a = string.find(member, '|', 1, true)
    local b = string.find(member, '|', a + 1, true)
    local host = string.sub(member, a + 1, b - 1)
    local lease = P .. ':' .. redis.call('INCR', P .. ':leaseseq')
    local w = acquire(P, host, lease, conc, math.floor(delay_ms * factor), ttl, now)
    if w ~= 0 then
      if wait < 0 or w < wait then wait = w end
      break
    end
    redis.call('ZREM', R .. ':q', member)
    redis.call('ZADD', P .. ':leases', now + lease_ms, lease)
    redis.call('HSET', P .. ':leasedata', lease, run .. '\\n' .. score .. '\\n' .. member)
    redis.call('HSET', P .. ':leaseowner', lease, worker)
    redis.call('SADD', R .. ':workers', worker)
    table.insert(out, lease)
    table.insert(out, run)
    table.insert(out, member)
  end
end
if #out == 0 then return {'', tostring(wait)} end
return out
"""

# ARGV: P, host, token, concurrency, delay_ms, slot_ttl_ms -> 0 (taken) or ms to wait
ACQUIRE = NOW + _ACQUIRE + """
return acquire(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), now)
"""

# Finish leases. ARGV: P, n, then per lease: lease, k, then k (stat, integer) pairs.
# A lease that is gone (it expired and went back to the queue) is skipped with
# its stats: the request is crawled again and counted then.
# -> {acked, gone, runs that reached zero...}
ACK = """
local P = ARGV[1]
local i, acked, gone, done = 3, 0, 0, {}
for n = 1, tonumber(ARGV[2]) do
  local lease, k = ARGV[i], tonumber(ARGV[i + 1])
  local data = redis.call('HGET', P .. ':leasedata', lease)
  if data then
    local nl = string.find(data, '\\n', 1, true)
    local run = string.sub(data, 1, nl - 1)
    local member = string.sub(data, string.find(data, '\\n', nl + 1, true) + 1)
    local a = string.find(member, '|', 1, true)
    local b = string.find(member, '|', a + 1, true)
    redis.call('ZREM', P .. ':slot:' .. string.sub(member, a + 1, b - 1), lease)
    redis.call('HDEL', P .. ':leasedata', lease)
    redis.call('ZREM', P .. ':leases', lease)
    redis.call('HDEL', P .. ':leaseowner', lease)
    local R = P .. ':run:' .. run
    for j = 1, k do
      redis.call('HINCRBY', R .. ':stats', ARGV[i + 2 * j], ARGV[i + 2 * j + 1])
    end
    if redis.call('HINCRBY', R, 'pending', -1) <= 0 and redis.call('SADD', P .. ':finishing', run) == 1 then
      table.insert(done, run)
    end
    acked = acked + 1
  else
    gone = gone + 1
  end
  i = i + 2 + 2 * k
end
return {acked, gone, unpack(done)}
"""

# Give leases back to their run's queue at once (their worker is stopping, or
# they expired). ARGV: P, 'expired' (with a limit) or 'given', then leases.
# -> number returned
REQUEUE = NOW + """
local P = ARGV[1]
local leases
if ARGV[2] == 'expired' then
  leases = redis.call('ZRANGEBYSCORE', P .. ':leases', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
else
  leases = {unpack(ARGV, 3)}
end
local back = 0
for _, lease in ipairs(leases) do
  local data = redis.call('HGET', P .. ':leasedata', lease)
  redis.call('ZREM', P .. ':leases', lease)
  if data then
    redis.call('HDEL', P .. ':leasedata', lease)
    redis.call('HDEL', P .. ':leaseowner', lease)
    local nl = string.find(data, '\\n', 1, true)
    local nl2 = string.find(data, '\\n', nl + 1, true)
    local run = string.sub(data, 1, nl - 1)
    local score = string.sub(data, nl + 1, nl2 - 1)
    local member = string.sub(data, nl2 + 1)
    local a = string.find(member, '|', 1, true)
    local b = string.find(member, '|', a + 1, true)
    redis.call('ZREM', P .. ':slot:' .. string.sub(member, a + 1, b - 1), lease)
    redis.call('ZADD', P .. ':run:' .. run .. ':q', score, member)
    redis.call('HINCRBY', P .. ':run:' .. run, 'requeued', 1)
    back = back + 1
  end
end
return back
"""

# Extend the deadlines of leases still held. ARGV: P, lease_ms, leases... -> renewed
RENEW = NOW + """
local P, renewed = ARGV[1], 0
for i = 3, #ARGV do
  if redis.call('ZSCORE', P .. ':leases', ARGV[i]) then
    redis.call('ZADD', P .. ':leases', 'XX', now + tonumber(ARGV[2]), ARGV[i])
    renewed = renewed + 1
  end
end
return renewed
"""

# Register a run and queue its seed. ARGV: P, run, source, lock token,
# concurrency, delay_ms, max_pages, trigger, seed host, seed json, started (iso)
# -> 1, or the id of the run already holding the source
START = """
local P, run, source = ARGV[1], ARGV[2], ARGV[3]
local lock = P .. ':source:' .. source
local holder = redis.call('GET', lock)
if holder and holder ~= ARGV[4] then return holder end
redis.call('SET', lock, run)
local R = P .. ':run:' .. run
redis.call('HSET', R, 'source', source, 'state', 'running', 'concurrency', ARGV[5],
           'delay_ms', ARGV[6], 'max_pages', ARGV[7], 'trigger', ARGV[8], 'pending', 1,
           'pushed', 1, 'started', ARGV[11])
local seq = redis.call('INCR', P .. ':seq')
redis.call('ZADD', R .. ':q', -1000, string.format('%016d', seq) .. '|' .. ARGV[9] .. '|' .. ARGV[10])
redis.call('RPUSH', P .. ':active', run)
return 1
"""

# Stop a run: nothing more is queued; what is queued is dropped (counted).
# ARGV: P, run -> requests dropped
STOP = """
local P, run = ARGV[1], ARGV[2]
local R = P .. ':run:' .. run
if redis.call('EXISTS', R) == 0 then return -1 end
redis.call('HSET', R, 'state', 'stopping')
local dropped = redis.call('ZCARD', R .. ':q')
redis.call('DEL', R .. ':q')
redis.call('HINCRBY', R .. ':stats', 'patrol/frontier/dropped_on_stop', dropped)
if redis.call('HINCRBY', R, 'pending', -dropped) <= 0 then redis.call('SADD', P .. ':finishing', run) end
return dropped
"""

# Remove a finished run's keys and release its source. ARGV: P, run, source
CLEANUP = """
local P, run = ARGV[1], ARGV[2]
local R = P .. ':run:' .. run
for _, suffix in ipairs({'', ':q', ':seen', ':stats', ':workers', ':failed', ':site'}) do
  redis.call('DEL', R .. suffix)
end
redis.call('LREM', P .. ':active', 0, run)
redis.call('SREM', P .. ':finishing', run)
if redis.call('GET', P .. ':source:' .. ARGV[3]) == run then redis.call('DEL', P .. ':source:' .. ARGV[3]) end
return 1
"""
