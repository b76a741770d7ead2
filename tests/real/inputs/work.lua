-- tables, string patterns and closures
local n = {}
for line in io.lines("data.txt") do
  for w in line:gmatch("%a+") do n[w] = (n[w] or 0) + 1 end
end
local keys = {}
for k in pairs(n) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) return n[a] > n[b] or (n[a] == n[b] and a < b) end)
for i = 1, 3 do print(keys[i], n[keys[i]]) end
local parts = {}
for i = 1, 3000 do parts[#parts + 1] = string.format("%05d", i * 7) end
print(#table.concat(parts, ","))
