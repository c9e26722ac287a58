// The code of the hook spawner moor prefers: a small Perl process (hook-runner.ts starts it on the first hook) that
// starts every hook command. Its gain over the Node runner (runner-process-source.ts) is its size: ~7 MB resident
// against ~50 MB (two spawners run while hooks are configured: tool.before's and the off-turn one) and a quicker
// start. Not the CPU of a hook's start: on a small VM that is page faults at ~60-90 us each, one for every page the
// spawner writes after each fork (the fork made them copy-on-write) and more in the child around its exec, and
// measured per `/bin/true` hook the Perl spawner took ~120 faults in itself and ~123 in the child (~7 + ~9 ms of
// CPU), the Node runner ~122 and ~86 (~7 + ~8 ms): Perl's own loop writes as many pages between forks as Node's.
// (A tiny C loop takes ~2 after fork, and none with vfork; neither Node's libuv nor core Perl can vfork.)
// Perl because it is everywhere a shell is (perl-base is Essential on Debian, macOS ships it) and its core has fork,
// exec, setsid, select and waitpid; only modules of perl-base are used (POSIX, Fcntl), and Time::HiRes when present
// (else /proc/uptime, 10 ms steps, for timeouts and `ms`). Where there is no perl, the Node runner speaks the same
// protocol.
//
// Protocol (runner-protocol.ts), frames on its stdin and stdout: `env` (the environment of the runs sent after it),
// `runs` (run one after the other, in order; one `done` frame answers with all their results once the last has
// ended) and `kill` (end that run as its timeout would; one not started yet never starts). A run is
// `[id, timeoutMs, cwd, command, input, file?, args...]`: with `file` the program is executed directly (the command
// has no shell syntax, plain-command.ts), and if that cannot start, `/bin/sh -c command` runs instead, so the
// shell's own answer (exit 127, "not found") is what the hook gets. Each run is in a process group of its own
// (setsid), killed (SIGTERM, then SIGKILL a second later) at its timeout. When its stdin closes (the server ended,
// even killed) every running hook's group is killed and it exits. Its argument is the niceness it and every hook it
// starts run at (the hook's own autogroup too, on Linux).
export const PERL_SPAWNER_SOURCE = String.raw`
use strict;
use warnings;
use POSIX ();
use Fcntl ();
my $NICE = int($ARGV[0] || 0);
POSIX::nice($NICE) if $NICE;
my $CAP = 65536;
my $GRACE = 1;
$SIG{PIPE} = 'IGNORE';
# A handler (not the default) so that a hook's end interrupts select().
$SIG{CHLD} = sub {};
my $clock = eval { require Time::HiRes; \&Time::HiRes::time } || sub {
  if (open my $f, '<', '/proc/uptime') { my $line = <$f>; close $f; return $1 if $line =~ /^([0-9.]+)/; }
  return time;
};

sub encode { join '', map { length($_) . ':' . $_ } @_ }
sub decode {
  my ($s) = @_;
  my (@fields, $at);
  $at = 0;
  while ($at < length $s) {
    my $colon = index $s, ':', $at;
    my $n = substr $s, $at, $colon - $at;
    push @fields, substr $s, $colon + 1, $n;
    $at = $colon + 1 + $n;
  }
  return @fields;
}
sub answer {
  my $payload = encode(@_);
  my $out = length($payload) . "\n" . $payload;
  while (length $out) {
    my $n = syswrite STDOUT, $out;
    if (!defined $n) { next if $!{EINTR}; end_all(); }
    substr($out, 0, $n) = '';
  }
}

my $env = {};
my $env_set = 0;   # the environment %ENV holds now (the spawner's own, empty, at first)
my %running;     # id => run
my %by_pid;      # pid => run, until reaped
my %waiting;     # id => 1: runs of a batch not started yet
my %cancelled;   # id => 1: killed before they started
my $inbox = '';

sub end_all {
  for my $run (values %running) { kill 'KILL', -$run->{pid}, $run->{pid}; }
  POSIX::_exit(0);
}

sub next_run {
  my ($batch) = @_;
  while (@{$batch->{specs}}) {
    my ($id, $timeout, $cwd, $command, $input, @plain) = decode(shift @{$batch->{specs}});
    delete $waiting{$id};
    if (delete $cancelled{$id}) {
      push @{$batch->{results}}, encode($id, '', 0, 0, '', 'ended before it started', '', '');
      next;
    }
    return if start_run($batch, $id, $timeout, $cwd, $command, $input, @plain);
  }
  answer('done', @{$batch->{results}});
}

sub start_run {
  my ($batch, $id, $timeout, $cwd, $command, $input, @plain) = @_;
  my ($in_r, $in_w, $out_r, $out_w, $err_r, $err_w, $fail_r, $fail_w);
  # Perl sets close-on-exec on every descriptor above 2: none of these leak into another run's hook.
  unless (pipe($in_r, $in_w) && pipe($out_r, $out_w) && pipe($err_r, $err_w) && pipe($fail_r, $fail_w)) {
    push @{$batch->{results}}, encode($id, '', 0, 0, '', "pipe: $!", '', '');
    return 0;
  }
  my $started = $clock->();
  # The hook's environment is set here, not in the child: a child that rebuilds it writes to (and so copies) a dozen
  # more of the pages it shares with this process, at ~60-90 us a page fault on a small VM.
  if ($env_set != $batch->{env}) { %ENV = %{$batch->{env}}; $env_set = $batch->{env}; }
  my $pid = fork;
  if (!defined $pid) {
    push @{$batch->{results}}, encode($id, '', 0, 0, '', "fork: $!", '', '');
    return 0;
  }
  if ($pid == 0) {
    $SIG{PIPE} = 'DEFAULT';
    $SIG{CHLD} = 'DEFAULT';
    POSIX::setsid();
    # Its new session is an autogroup of its own on Linux, which the scheduler weighs as any other: the niceness
    # is given to the group too.
    if ($NICE) {
      my $group = POSIX::open('/proc/self/autogroup', POSIX::O_WRONLY());
      if (defined $group) { POSIX::write($group, $NICE, length $NICE); POSIX::close($group); }
    }
    POSIX::dup2(fileno $in_r, 0);
    POSIX::dup2(fileno $out_w, 1);
    POSIX::dup2(fileno $err_w, 2);
    # What cannot start is told on the close-on-exec pipe, which closes empty once exec succeeds.
    if (!chdir $cwd) { syswrite $fail_w, "cannot enter $cwd: $!"; POSIX::_exit(127); }
    { no warnings 'exec'; exec { $plain[0] } @plain if @plain; exec { '/bin/sh' } '/bin/sh', '-c', $command; }
    syswrite $fail_w, "cannot run /bin/sh: $!";
    POSIX::_exit(127);
  }
  close $in_r; close $out_w; close $err_w; close $fail_w;
  my $flags = fcntl $in_w, Fcntl::F_GETFL(), 0;
  fcntl $in_w, Fcntl::F_SETFL(), $flags | Fcntl::O_NONBLOCK();
  my $run = {
    id => $id, pid => $pid, batch => $batch, started => $started, deadline => $started + $timeout / 1000,
    input => $input, in => $in_w, reads => { out => $out_r, err => $err_r, fail => $fail_r },
    out => '', err => '', fail => '', timed_out => 0, stopped => 0,
  };
  close_input($run) if length($input) == 0;
  $running{$id} = $run;
  $by_pid{$pid} = $run;
  return 1;
}

sub close_input { my ($run) = @_; close $run->{in} if $run->{in}; $run->{in} = undef; }

# SIGTERM to the hook's group (and to the hook itself, in case its setsid has not happened yet), SIGKILL a grace
# later, and the run ends a grace after that even if something of it holds its pipes.
sub stop {
  my ($run, $now) = @_;
  return if $run->{stopped};
  $run->{stopped} = 1;
  kill 'TERM', -$run->{pid}, $run->{pid};
  $run->{hard} = $now + $GRACE;
}

sub finish {
  my ($run) = @_;
  delete $running{$run->{id}};
  close_input($run);
  close $_ for values %{$run->{reads}};
  $run->{reads} = {};
  my $status = $run->{status};
  my $exit = '';
  $exit = $status >> 8 if !$run->{stopped} && defined $status && ($status & 127) == 0;
  my $ms = sprintf '%.3f', ($clock->() - $run->{started}) * 1000;
  if (length $run->{fail}) { $exit = ''; }
  my $batch = $run->{batch};
  push @{$batch->{results}}, encode($run->{id}, $exit, $ms, $run->{timed_out}, $run->{pid}, $run->{fail}, $run->{out}, $run->{err});
  next_run($batch);
}

sub settle { my ($run) = @_; finish($run) if $running{$run->{id}} && defined $run->{status} && !%{$run->{reads}}; }

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $run = delete $by_pid{$pid} or next;
    $run->{status} = $?;
    settle($run);
  }
}

sub on_frame {
  my ($type, @fields) = decode($_[0]);
  if ($type eq 'env') {
    $env = { map { my $at = index $_, '='; (substr($_, 0, $at), substr($_, $at + 1)) } @fields };
  } elsif ($type eq 'runs') {
    my $batch = { env => $env, specs => [@fields], results => [] };
    for (@fields) { my ($id) = decode($_); $waiting{$id} = 1; }
    next_run($batch);
  } elsif ($type eq 'kill') {
    my $id = $fields[0];
    if (my $run = $running{$id}) { stop($run, $clock->()); }
    elsif ($waiting{$id}) { $cancelled{$id} = 1; }
  }
}

while (1) {
  my ($rin, $win) = ('', '');
  vec($rin, 0, 1) = 1;
  my $now = $clock->();
  my $wait;
  for my $run (values %running) {
    vec($rin, fileno $_, 1) = 1 for values %{$run->{reads}};
    vec($win, fileno $run->{in}, 1) = 1 if $run->{in};
    for my $at ($run->{stopped} ? ($run->{hard}, $run->{final}) : ($run->{deadline})) {
      next unless defined $at;
      my $left = $at - $now;
      $wait = $left if !defined $wait || $left < $wait;
    }
    # Its pipes closed but not reaped yet: a SIGCHLD between reap() and select() would not wake select.
    $wait = 0.002 if !%{$run->{reads}} && !defined $run->{status} && (!defined $wait || $wait > 0.002);
  }
  $wait = 0 if defined $wait && $wait < 0;
  my ($rout, $wout) = ($rin, $win);
  my $found = select($rout, $wout, undef, $wait);
  reap();
  if ($found > 0) {
    if (vec($rout, 0, 1)) {
      my $n = sysread STDIN, $inbox, 65536, length $inbox;
      if (defined $n && $n == 0) { end_all(); }
      if (!defined $n && !$!{EINTR} && !$!{EAGAIN}) { end_all(); }
      while ($inbox =~ /^(\d+)\n/) {
        my $size = $1;
        my $start = length($size) + 1;
        last if length($inbox) < $start + $size;
        my $frame = substr $inbox, $start, $size;
        substr($inbox, 0, $start + $size) = '';
        on_frame($frame);
      }
    }
    for my $run (values %running) {
      if ($run->{in} && vec($wout, fileno $run->{in}, 1)) {
        my $n = syswrite $run->{in}, $run->{input};
        if (defined $n) { substr($run->{input}, 0, $n) = ''; close_input($run) if length($run->{input}) == 0; }
        elsif (!$!{EAGAIN} && !$!{EINTR}) { close_input($run); }
      }
      for my $kind (keys %{$run->{reads}}) {
        my $fh = $run->{reads}{$kind};
        next unless vec($rout, fileno $fh, 1);
        my $n = sysread $fh, my $chunk, 65536;
        next if !defined $n && ($!{EAGAIN} || $!{EINTR});
        if (!$n) { close $fh; delete $run->{reads}{$kind}; next; }
        my $room = $CAP - length $run->{$kind};
        $run->{$kind} .= substr($chunk, 0, $room) if $room > 0;
      }
      settle($run);
    }
  }
  $now = $clock->();
  for my $run (values %running) {
    if (!$run->{stopped} && $now >= $run->{deadline}) { $run->{timed_out} = 1; stop($run, $now); }
    elsif ($run->{stopped} && defined $run->{hard} && $now >= $run->{hard}) {
      kill 'KILL', -$run->{pid}, $run->{pid};
      $run->{hard} = undef;
      $run->{final} = $now + $GRACE;
    } elsif (defined $run->{final} && $now >= $run->{final}) { finish($run); }
  }
}
`;
