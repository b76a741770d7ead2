# hashes, strings, blocks and a little GC
counts = Hash.new(0)
File.foreach("data.txt") { |l| l.scan(/[a-z]+/) { |w| counts[w] += 1 } }
puts counts.sort_by { |k, v| [-v, k] }.first(3).inspect
s = (1..3000).map { |i| (i * 7).to_s.rjust(5, "0") }.join(",")
puts s.length
puts [3, 1, 2].sort.map { |x| x * x }.sum
