# free_port: prints a TCP port on 127.0.0.1 that nothing listens on, for a server that a test or
# a benchmark starts (sourced by scripts/services.sh and the bench/ scripts).
#
# The port is taken below Linux's ephemeral range (32768–60999 by default, read from
# /proc/sys/net/ipv4/ip_local_port_range): a port inside it can be the source port of one of the
# many client connections that tests and benchmarks open — nothing answers a connect to it, yet a
# listener cannot bind it ("Address already in use"). The caller still retries a failed start:
# another process may take the port between this check and the bind.
free_port() {
  local low=32768 p
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  fi
  [ "$low" -gt 11024 ] || low=32768  # an unusual range: fall back to the default's floor
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "free_port: no free port found below $low" >&2
  return 1
}
