# dicts, lists, string maps and regsub
set f [open data.txt]
set n [dict create]
while {[gets $f line] >= 0} {
    foreach w [regexp -all -inline {[a-z]+} $line] { dict incr n $w }
}
close $f
puts [lrange [lsort -stride 2 -index 1 -integer -decreasing $n] 0 5]
set s ""
for {set i 0} {$i < 2000} {incr i} { append s [format %05d [expr {$i * 7}]] , }
puts [string length $s]
puts [regsub -all {(\d+)} "a1b22c333" {<\1>}]
