// ccinit-test-quiet-agent: an agent that writes nothing at all and exits 0, as a real
// kata-agent may. It has no `kata-agent: started` record and no report, so a VM test that
// boots it sees a clean agent exit only through PID 1's own power-off record.
int main() {
  return 0;
}
