-- POST /api/v1/draws/{id}/play as many shoppers: each request takes the next shopper's token, the
-- next draw, and a fresh Idempotency-Key. Set by the caller: BUYERS (file of "token address_id"),
-- DRAWS (the draws' ids, comma-separated).
local buyers = {}
for line in io.lines(os.getenv("BUYERS")) do
  table.insert(buyers, line:match("(%S+)"))
end
local draws = {}
for id in os.getenv("DRAWS"):gmatch("[^,]+") do
  table.insert(draws, id)
end
local counter = 0
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local shown = false
response = function(status, headers, body)
  if status >= 400 and not shown then
    shown = true
    io.stderr:write("first error " .. status .. ": " .. body .. "\n")
  end
end

request = function()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. buyers[(counter % #buyers) + 1],
    ["Idempotency-Key"] = os.time() .. "-" .. thread_id .. "-" .. counter,
  }
  -- A shopper's consecutive plays go to different draws, as a crowd's would.
  local draw = draws[(math.floor(counter / #buyers) % #draws) + 1]
  return wrk.format("POST", "/api/v1/draws/" .. draw .. "/play", headers, "")
end
