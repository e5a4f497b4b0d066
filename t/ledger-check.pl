#!/usr/bin/perl
# SPDX-License-Identifier: MIT
#
# ledger-check.pl: the invariants of the fault, crash and load tests, checked
# on what the programs printed and what the ledger holds afterwards.
#
#   perl t/ledger-check.pl [--exact] [--prefix] BEFORE AFTER INPUT... -- RECEIPTS...
#
# BEFORE and AFTER are `sl-log` outputs (one canonical entry a line) taken
# before and after the run; INPUT files are the entry lines given to the
# sl-append runs (each source in them unique); RECEIPTS files are what the
# sl-append runs printed.  Checked:
#   - AFTER is BEFORE followed by new entries (nothing changed, nothing lost:
#     no fork), and entry i carries "seq":i (dense, in order);
#   - every receipt line is a whole receipt {"seq","ts","leaf_hash"} naming a
#     new entry with that seq, that ts and that leaf hash,
#     SHA-256(0x00 || entry), and no seq is receipted twice;
#   - every new entry's source comes from an INPUT and appears once (no entry
#     made up, none appended twice);
#   - --prefix: the new entries are the first lines of the (single) INPUT, in
#     order (batches are atomic and applied in order);
#   - --exact: as many new entries as receipts (nothing stored that was not
#     acknowledged: what a failed run must leave).
# A last receipt line without its newline (a kill during the write) is not a
# receipt and is ignored.  Prints one summary line; exits 1 on the first
# violation, naming it.
use strict;
use warnings;
use Digest::SHA qw(sha256_hex);

my ($exact, $prefix) = (0, 0);
while (@ARGV && $ARGV[0] =~ /^--(exact|prefix)$/) {
	$exact = 1 if $1 eq 'exact';
	$prefix = 1 if $1 eq 'prefix';
	shift @ARGV;
}
my ($before_f, $after_f, @rest) = @ARGV;
my (@inputs, @receipts);
my $seen_sep = 0;
for (@rest) {
	if ($_ eq '--') { $seen_sep = 1; next; }
	if ($seen_sep) { push @receipts, $_ } else { push @inputs, $_ }
}
die "usage: ledger-check.pl [--exact] [--prefix] BEFORE AFTER INPUT... -- RECEIPTS...\n"
	unless defined $after_f && $seen_sep;

sub fail { print STDERR "ledger-check: @_\n"; exit 1; }

sub lines {
	my ($f) = @_;
	open(my $fh, '<', $f) or fail("cannot read $f: $!");
	local $/;
	my $s = <$fh>;
	close $fh;
	return ($s, [ split /\n/, $s, -1 ]);
}

my (undef, $before) = lines($before_f);
my (undef, $after) = lines($after_f);
pop @$before if @$before && $before->[-1] eq '';
pop @$after if @$after && $after->[-1] eq '';
my $nb = @$before;
my $na = @$after;
fail("the ledger shrank: $nb entries before, $na after") if $na < $nb;
for my $i (0 .. $nb - 1) {
	fail("entry $i changed (fork):\n  before $before->[$i]\n  after  $after->[$i]")
		if $before->[$i] ne $after->[$i];
}
for my $i (0 .. $na - 1) {
	fail("entry at position $i does not carry \"seq\":$i: $after->[$i]")
		unless $after->[$i] =~ /"seq":$i,"source"/;
}

my %src;    # source -> position in its input
my @order;  # sources of the first input, in order
for my $f (@inputs) {
	my (undef, $ls) = lines($f);
	my $k = 0;
	for (@$ls) {
		next unless /"source":"((?:[^"\\]|\\.)*)"/;
		fail("source '$1' is in the inputs twice (the test must make them unique)")
			if exists $src{$1};
		$src{$1} = $k++;
		push @order, $1 if $f eq $inputs[0];
	}
}
my %stored;
for my $i ($nb .. $na - 1) {
	$after->[$i] =~ /"source":"((?:[^"\\]|\\.)*)","ts"/
		or fail("entry $i has no source: $after->[$i]");
	my $s = $1;
	if (@inputs) {
		fail("entry $i has source '$s', which no input holds") unless exists $src{$s};
		fail("entry $i repeats source '$s' (also entry $stored{$s}): appended twice")
			if exists $stored{$s};
		fail("entry $i is input line source '$s', expected '$order[$i - $nb]' (not a prefix)")
			if $prefix && ($i - $nb > $#order || $order[$i - $nb] ne $s);
	}
	$stored{$s} = $i;
}

my $nr = 0;
my %rseq;
for my $f (@receipts) {
	my ($text, $ls) = lines($f);
	my $last = pop @$ls;    # "" when the file ends with a newline, else a cut line
	for my $r (@$ls) {
		$r =~ /^\{"seq":(0|[1-9][0-9]*),"ts":"([0-9T:.Z-]{27})","leaf_hash":"([0-9a-f]{64})"\}$/
			or fail("$f: not a receipt: '$r'");
		my ($seq, $ts, $leaf) = ($1, $2, $3);
		fail("$f: receipt for seq $seq, but the ledger has $na entries (acknowledged entry lost)")
			if $seq >= $na;
		fail("$f: receipt for seq $seq, which was there before the run") if $seq < $nb;
		fail("$f: seq $seq receipted twice") if $rseq{$seq}++;
		my $e = $after->[$seq];
		fail("$f: receipt for seq $seq says ts $ts, the entry says otherwise: $e")
			unless index($e, "\"ts\":\"$ts\"") >= 0;
		my $h = sha256_hex("\0" . $e);
		fail("$f: receipt for seq $seq has leaf hash $leaf, the stored entry's is $h") if $h ne $leaf;
		$nr++;
	}
}
my $new = $na - $nb;
fail("$new new entries but $nr receipts: stored without acknowledgement where none may be")
	if $exact && $new != $nr;
print "ledger-check: ok: $nb before, $new new, $nr receipted\n";
exit 0;
