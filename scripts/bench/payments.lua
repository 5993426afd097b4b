-- POST /api/v1/payments once per prepared checkout ("token checkout_id" lines in CHECKOUTS), split
-- across wrk's two threads, PROVIDER and CHANNEL choose the trade.
local lines = {}
for line in io.lines(os.getenv("CHECKOUTS")) do
  local token, checkout = line:match("(%S+) (%S+)")
  table.insert(lines, { token = token, checkout = checkout })
end
local provider, channel = os.getenv("PROVIDER"), os.getenv("CHANNEL")
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
local sent, answered = 0, 0
local shown = false
request = function()
  local item = lines[(sent * 2) + thread_id] or lines[#lines]
  sent = sent + 1
  local headers = { ["Authorization"] = "Bearer " .. item.token, ["Content-Type"] = "application/json" }
  local body = '{"checkout_id":' .. item.checkout .. ',"provider":"' .. provider .. '","channel":"' .. channel .. '"}'
  return wrk.format("POST", "/api/v1/payments", headers, body)
end
response = function(status, headers, body)
  answered = answered + 1
  if status >= 300 and not shown then
    shown = true
    io.stderr:write("first unexpected answer " .. status .. ": " .. body .. "\n")
  end
end
-- wrk runs for its whole duration; the caller prepares more lines than can be sent in it, and
-- this says so if they ran out (the figures would then include repeats of the last line).
done = function(summary, latency, requests)
  if summary.requests > #lines then
    io.stderr:write("ran out of prepared lines: " .. summary.requests .. " requests, " .. #lines .. " lines\n")
  end
end
