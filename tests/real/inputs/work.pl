# hashes, regular expressions, sort and sprintf
use strict; use warnings;
my %n; my @lines;
open(my $f, '<', 'data.txt') or die;
while (my $l = <$f>) { chomp $l; push @lines, $l; $n{$_}++ for ($l =~ /([a-z]+)/g); }
close $f;
my @top = (sort { $n{$b} <=> $n{$a} || $a cmp $b } keys %n)[0..4];
printf "%s=%d\n", $_, $n{$_} for @top;
my $s = join(',', map { sprintf('%05d', $_ * 7) } 1..2000);
print length($s), "\n";
