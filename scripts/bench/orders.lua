-- POST /api/v1/orders as many buyers: each request takes the next buyer's token and address and a
-- fresh Idempotency-Key. Set by the caller: BUYERS (file of "token address_id"), ITEMS (JSON items).
-- With FLASH_SALE and FLASH_SKU set instead, buys one unit now in that flash sale.
local buyers = {}
for line in io.lines(os.getenv("BUYERS")) do
  local token, address = line:match("(%S+) (%S+)")
  table.insert(buyers, { token = token, address = address })
end
local items = os.getenv("ITEMS")
local flash_sale, flash_sku = os.getenv("FLASH_SALE"), os.getenv("FLASH_SKU")
local counter = 0
local threads = 0

-- Runs in the main state: gives each thread its own id, so keys never collide across threads.
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
  local buyer = buyers[(counter % #buyers) + 1]
  local headers = {
    ["Authorization"] = "Bearer " .. buyer.token,
    ["Idempotency-Key"] = os.time() .. "-" .. thread_id .. "-" .. counter,
    ["Content-Type"] = "application/json",
  }
  if flash_sale then
    local body = '{"address_id":' .. buyer.address .. ',"sku_id":' .. flash_sku .. ',"quantity":1}'
    return wrk.format("POST", "/api/v1/flash-sales/" .. flash_sale .. "/orders", headers, body)
  end
  local body = '{"address_id":' .. buyer.address .. ',"items":' .. items .. '}'
  return wrk.format("POST", "/api/v1/orders", headers, body)
end
