-- POST /api/v1/draws/{DRAW}/play as many shoppers: each request takes the next shopper's token and
-- a fresh Idempotency-Key. Set by the caller: BUYERS (file of "token address_id"), DRAW (its id).
local buyers = {}
for line in io.lines(os.getenv("BUYERS")) do
  table.insert(buyers, line:match("(%S+)"))
end
local draw = os.getenv("DRAW")
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
  return wrk.format("POST", "/api/v1/draws/" .. draw .. "/play", headers, "")
end
