-- Sends each prepared request once, split across wrk's two threads (wrk -t2 assumed). LINES is a
-- file of "path<TAB>content-type<TAB>Header:value;;Header:value<TAB>body" lines.
local lines = {}
for line in io.lines(os.getenv("LINES")) do
  local path, ctype, headers, body = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)")
  local parsed = { ["Content-Type"] = ctype }
  for name, value in headers:gmatch("([^:;]+):([^;]*)") do parsed[name] = value end
  table.insert(lines, { path = path, headers = parsed, body = body })
end
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
local sent, answered = 0, 0
local shown = false
request = function()
  local index = (sent * 2) + thread_id
  sent = sent + 1
  local item = lines[index] or lines[#lines]
  return wrk.format("POST", item.path, item.headers, item.body)
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
