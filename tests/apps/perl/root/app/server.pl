#!/usr/bin/perl
# A tiny HTTP server: a health check and JSON (probe set A), and pages that
# each require their module only when first asked for (workload B).
use strict;
use warnings;
use IO::Socket::INET;
use POSIX ();

my $EPOCH = 1700000000;     # a fixed instant: B prints no current time

my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 18170, Listen => 10, ReuseAddr => 1)
    or die "listen: $!";
$| = 1;

my %routes = (
    '/health' => sub { "ok\n" },
    '/json'   => sub {
        require JSON::PP;
        my $j = JSON::PP->new->utf8->canonical->pretty;
        my $d = JSON::PP::decode_json('{"a":[1,2,{"b":"\u00e9t\u00e9"}],"n":null}');
        $j->encode({ name => "caf\x{e9}", list => [1, 2.5, "x"], ok => JSON::PP::true(), parsed => $d });
    },
    '/tz'     => sub {
        my @out;
        my $saved = $ENV{TZ};
        for my $zone ("America/New_York", "Asia/Tokyo") {
            $ENV{TZ} = $zone;
            POSIX::tzset();
            push @out, "$zone: " . POSIX::strftime("%Y-%m-%d %H:%M:%S %Z %z", localtime($EPOCH));
        }
        if (defined $saved) { $ENV{TZ} = $saved } else { delete $ENV{TZ} }
        POSIX::tzset();
        push @out, "UTC: " . POSIX::strftime("%Y-%m-%d %H:%M:%S", gmtime($EPOCH));
        join("\n", @out) . "\n";
    },
    '/piece'  => sub {
        require Time::Piece;
        my $t = Time::Piece->gmtime($EPOCH);
        my $p = Time::Piece->strptime("2024-03-15 10:20:30", "%Y-%m-%d %H:%M:%S");
        my $d = $p - $t;
        join("\n", $t->datetime, $t->strftime("%A %d %B %Y"), "week " . $t->week . " yday " . $t->yday,
             "parsed " . $p->epoch . " days later " . int($d->days)) . "\n";
    },
    '/sha'    => sub {
        require Digest::SHA;
        join("\n", Digest::SHA::sha256_hex("abc"), Digest::SHA::sha1_hex("abc"),
             Digest::SHA::hmac_sha256_hex("message", "key")) . "\n";
    },
    '/encode' => sub {
        require Encode;
        my $s = "caf\x{e9} \x{20ac}5 \x{65e5}\x{672c}";
        my @out = map { "$_ " . unpack("H*", Encode::encode($_, $s)) } "iso-8859-15", "shiftjis";
        push @out, "back " . Encode::encode_utf8(Encode::decode("shiftjis", "\x93\xfa\x96\x7b"));
        join("\n", @out) . "\n";
    },
    '/store'  => sub {
        require Storable;
        my $data = { items => [1, 2, 3], owner => { name => "ann", tags => ["a", "b"] } };
        my $copy = Storable::thaw(Storable::freeze($data));
        my $clone = Storable::dclone($copy);
        "items " . join(",", @{ $copy->{items} }) . " owner " . $copy->{owner}{name}
            . " tags " . join(",", @{ $clone->{owner}{tags} }) . "\n";
    },
    '/base64' => sub {
        require MIME::Base64;
        my $e = MIME::Base64::encode_base64("hello, perl shop", "");
        "$e " . MIME::Base64::decode_base64($e) . " " . MIME::Base64::encode_base64url("\xfb\xff\xfe") . "\n";
    },
    '/sort'   => sub {
        # Unicode::Collate normalizes by default: it requires
        # Unicode::Normalize itself, in an eval
        require Unicode::Collate;
        my $c = Unicode::Collate->new();
        my $s = join(" ", $c->sort("\x{e9}t\x{e9}", "ete", "Eta", "\x{e9}clair", "zebra", "apple"));
        utf8::encode($s);       # (a builtin: no module)
        "$s\n";
    },
    '/dump'   => sub {
        require Data::Dumper;
        local $Data::Dumper::Sortkeys = 1;
        local $Data::Dumper::Indent = 1;
        Data::Dumper::Dumper({ zeta => 1, alpha => [2, 3], mid => { y => "why", x => undef } });
    },
);

while (my $c = $srv->accept) {
    my $line = <$c> // next;
    while (my $h = <$c>) { last if $h =~ /^\r?\n$/ }
    my (undef, $path) = split ' ', $line;
    $path //= '';
    my $r = $routes{$path};
    my ($status, $body) = (404, "not found: $path\n");
    if ($r) {
        my $ok = eval { $body = $r->(); $status = 200; 1 };
        ($status, $body) = (500, "error: $@") unless $ok;
    }
    print $c "HTTP/1.0 $status X\r\nContent-Type: text/plain\r\nContent-Length: " . length($body)
        . "\r\nConnection: close\r\n\r\n$body";
    close $c;
}
