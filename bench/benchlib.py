"""What the bench drivers share: the peer driver loaded as a module, and the medians of a table."""
import importlib.util
import os
import statistics
import sys


def load_peerbench(peers):
    """The peer run's own driver (../shared/bench/peers/peerbench.py), so both servers are driven by the same code."""
    sys.path.insert(0, peers)  # peerbench imports procmon from its own directory
    spec = importlib.util.spec_from_file_location("peerbench", os.path.join(peers, "peerbench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def stat(values):
    """(median, min, max, count) of the values that are there, or None."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values), len(values)


def fmt(s, digits=0):
    """A stat as "median (min-max)"; "-" for none."""
    if s is None:
        return "-"
    med, lo, hi, n = s
    f = f"{{:,.{digits}f}}"
    text = f.format(med)
    if n > 1 and lo != hi:
        text += f" ({f.format(lo)}-{f.format(hi)})"
    return text


def ratio(a, b):
    """The ratio of two stats' medians, or "-"."""
    if a is None or b is None or not b[0]:
        return "-"
    return f"{a[0] / b[0]:.2f}"
