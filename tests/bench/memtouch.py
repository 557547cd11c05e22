"""What new page cache costs on this machine, and a way to take that cost out of a run.

A virtual machine whose hypervisor takes back the memory its guest frees (free page
reporting: /sys/module/page_reporting) charges the guest for the first touch of every page
it hands back: the 41-city federation writes about 13 GB of stores, nearly all of it into
such pages. probe() measures the charge where the stores go; Ballast fills the page cache
with a clean file before a run, so that the run's pages come from reclaiming it (pages the
guest already holds) instead of from memory the host has to give back first. Neither touches
what the nodes do: they say how much of a run's CPU is the machine's rather than yrdx's."""
import os
import time

CHUNK = 64 << 20


def _write(path, nbytes, step=None, over=False):
    """Writes nbytes of zeros to path (fsynced; over: over what it holds, in the pages the
    page cache has of it); the kernel CPU it took per step bytes."""
    buf = bytes(CHUNK)
    costs, written = [], 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (0 if over else os.O_TRUNC), 0o600)
    try:
        t0 = os.times().system
        while written < nbytes:
            written += os.write(fd, buf)
            if step and written % step == 0:
                t = os.times().system
                costs.append(t - t0)
                t0 = t
        os.fsync(fd)
    finally:
        os.close(fd)
    return costs


def probe(directory, gib=3):
    """Kernel CPU seconds per GiB of writing a new file, GiB by GiB (new page cache), and
    per GiB of writing the same bytes over it again (pages held): where the first cost far
    more, that is memory the machine had handed back."""
    path = os.path.join(directory, "memtouch-probe")
    try:
        new = _write(path, gib << 30, step=1 << 30)
        again = _write(path, gib << 30, step=1 << 30, over=True)
        return new, again
    finally:
        os.unlink(path)


def page_reporting():
    """The kernel's free page reporting order, or None where it has none."""
    try:
        with open("/sys/module/page_reporting/parameters/page_reporting_order") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def mem_free():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemFree:"):
                return int(line.split()[1]) << 10
    return 0


class Ballast:
    """A clean file in the page cache as large as the free memory less keep bytes, and
    never leaving less than leave bytes free on its filesystem (the run's stores go there
    too), for the duration of a with block. seconds: what writing it took."""

    def __init__(self, directory, keep=1 << 30, leave=20 << 30):
        self.path = os.path.join(directory, "memtouch-ballast")
        self.directory = directory
        self.keep = keep
        self.leave = leave
        self.seconds = 0.0
        self.bytes = 0

    def __enter__(self):
        t0 = time.monotonic()
        st = os.statvfs(self.directory)
        disk = st.f_bavail * st.f_frsize - self.leave
        self.bytes = max(min(mem_free() - self.keep, disk), 0) // CHUNK * CHUNK
        _write(self.path, self.bytes)
        self.seconds = time.monotonic() - t0
        return self

    def __exit__(self, *exc):
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        return False
