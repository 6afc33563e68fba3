-- wrk script for one scenario of `make bench`. bench/run.py writes a copy with the
-- scenario's requests in place of @REQUESTS@ (each with its user's session cookie, and the
-- ETag or CSRF token it needs) and the status every answer must have in place of @EXPECTED@.
-- Each connection takes the requests in turn; done() prints one JSON line for run.py. A
-- filing form's body holds @FORM_TOKEN_MARK@ where its form token goes: each request gets a
-- token of its own (this run's, this thread's number and a count), as each form a student
-- fills in has.

local requests = @REQUESTS@
local expected = @EXPECTED@
local token_mark = @FORM_TOKEN_MARK@
local run = @RUN@
local prepared = {}
local next_index = 0
local threads = {}
local sent = 0
wrong = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  for i, r in ipairs(requests) do
    if r.body and string.find(r.body, token_mark, 1, true) then
      prepared[i] = r
    else
      prepared[i] = wrk.format(r.method, r.path, r.headers, r.body)
    end
  end
  next_index = math.random(#prepared) - 1
end

function request()
  next_index = next_index % #prepared + 1
  local r = prepared[next_index]
  if type(r) ~= "table" then
    return r
  end
  sent = sent + 1
  local token = string.format("%st%02dr%012d", run, thread_number, sent)
  local body = string.gsub(r.body, token_mark, token)
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, body)
  if status ~= expected then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local w = 0
  for _, t in ipairs(threads) do
    w = w + t:get("wrong")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "bytes": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "wrong_status": %d, "socket_errors": %d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, w,
    e.connect + e.read + e.write + e.timeout))
end
