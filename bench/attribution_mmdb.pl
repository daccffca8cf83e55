#!/usr/bin/perl
# Writes an MMDB (MaxMind DB) holding the same networks as an attribution Table, for the
# libmaxminddb column of bench/attribution_bench.cc.
#
#   perl bench/attribution_mmdb.pl NETWORKS OUT.mmdb
#
# NETWORKS has one network per line, "PREFIX ASN COUNTRY" (ASN 0 = none, country "-" =
# none), least specific first: a later, more specific network overrides its part of an
# earlier one, which is longest-prefix match. Each record holds the original network text,
# so the benchmark can check that libmaxminddb answers the same network as the engine.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

die "usage: $0 NETWORKS OUT.mmdb\n" unless @ARGV == 2;
my ($in_path, $out_path) = @ARGV;

my %types = (network => 'utf8_string', asn => 'uint32', country => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 32,
    database_type         => 'AIIP-Attribution-Benchmark',
    languages             => ['en'],
    description           => { en => 'Networks of a libloc location database, for benchmarks' },
    map_key_type_callback => sub { $types{ $_[0] } },
    # Keep every network of the source: reserved ranges too, and no IPv4 aliases in IPv6.
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4       => 0,
    merge_strategy           => 'none',
);

open my $in, '<', $in_path or die "cannot read $in_path: $!\n";
while (my $line = <$in>) {
    chomp $line;
    my ($network, $asn, $country) = split / /, $line;
    die "bad line $.: $line\n" unless defined $country;
    my %record = (network => $network);
    $record{asn}     = $asn + 0 if $asn;
    $record{country} = $country if $country ne '-';
    $tree->insert_network($network, \%record);
}
close $in;

open my $out, '>:raw', "$out_path.tmp" or die "cannot write $out_path.tmp: $!\n";
$tree->write_tree($out);
close $out or die "cannot write $out_path.tmp: $!\n";
rename "$out_path.tmp", $out_path or die "cannot rename to $out_path: $!\n";
