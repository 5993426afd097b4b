-- POST /api/v1/orders as many buyers: each request takes the next buyer's token and address and a
-- fresh Idempotency-Key. Set by the caller: BUYERS (file of "token address_id"), ITEMS (JSON items).
local buyers = {}
for line in io.lines(os.getenv("BUYERS")) do
  local token, address = line:match("(%S+) (%S+)")
  table.insert(buyers, { token = token, address = address })
end
local items = os.getenv("ITEMS")
local counter = 0
local prefix = tostring(math.random(1, 1000000000))

request = function()
  counter = counter + 1
  local buyer = buyers[(counter % #buyers) + 1]
  local headers = {
    ["Authorization"] = "Bearer " .. buyer.token,
    ["Idempotency-Key"] = prefix .. "-" .. counter,
    ["Content-Type"] = "application/json",
  }
  local body = '{"address_id":' .. buyer.address .. ',"items":' .. items .. '}'
  return wrk.format("POST", "/api/v1/orders", headers, body)
end
