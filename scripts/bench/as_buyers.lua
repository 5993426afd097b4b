-- One request shape sent as many buyers: each request takes the next buyer's token from BUYERS
-- (lines of "token address_id"). Set by the caller: METHOD, URL_PATH and BODY (sent as JSON).
local buyers = {}
for line in io.lines(os.getenv("BUYERS")) do
  table.insert(buyers, line:match("(%S+)"))
end
local method, path, body = os.getenv("METHOD"), os.getenv("URL_PATH"), os.getenv("BODY")
local counter = 0

local shown = false
response = function(status, headers, reply)
  if status >= 400 and not shown then
    shown = true
    io.stderr:write("first error " .. status .. ": " .. reply .. "\n")
  end
end

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. buyers[(counter % #buyers) + 1], ["Content-Type"] = "application/json" }
  return wrk.format(method, path, headers, body)
end
