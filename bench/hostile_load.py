#!/usr/bin/env python3
"""Hostile load against a running MailActors node (docs/spec.md §14; issue 12 item 3), with well-behaved clients
served meanwhile. Prints the node's peak RSS and the good clients' latencies.

usage: hostile_load.py PID SMTP_PORT POP3_PORT POP3S_PORT [--seconds S] [--half-data N] [--data-mb M]
                       [--slow-tls N] [--slow-starttls N] [--endless N] [--full-data N]
Hostile clients come from 127.0.0.2..127.0.0.254 (outside when only 127.0.0.1 is internal); the good client is
127.0.0.1 and logs in as alice/alice-pw (which the caller created).
"""
import argparse, asyncio, os, statistics, time

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def cpu_seconds(pid):
    """The process's user + system CPU time so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])

async def connect(port, source):
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))

async def line(reader):
    return (await asyncio.wait_for(reader.readline(), 30)).decode("latin-1")

async def smtp_reply(reader):
    while True:
        l = await line(reader)
        if len(l) < 4 or l[3] != "-":
            return l

async def send_data(port, source, helo, mb):
    """An SMTP transaction to alice that has sent MB megabytes of message data, not yet the final dot."""
    r, w = await connect(port, source)
    await smtp_reply(r)
    for cmd in (f"EHLO {helo}", f"MAIL FROM:<x@{helo}>", "RCPT TO:<alice@example.test>", "DATA"):
        w.write((cmd + "\r\n").encode()); await w.drain(); await smtp_reply(r)
    chunk = (b"x" * 998 + b"\r\n") * 1024  # ~1 MB
    w.write(b"Subject: " + helo.encode() + b"\r\n\r\n")
    for _ in range(mb):
        w.write(chunk); await w.drain()
    return r, w

async def half_data(port, source, mb, stop):
    """A DATA transfer that sends MB megabytes and then withholds the rest."""
    try:
        r, w = await send_data(port, source, "hostile.test", mb)
        await stop.wait()
        w.close()
    except Exception:
        pass

async def full_data(port, source, mb, results):
    """A whole MB-megabyte message to alice, sent at once with the others: their commits meet the node's commit budget."""
    try:
        r, w = await send_data(port, source, "burst.test", mb)
        w.write(b".\r\n"); await w.drain()
        results.append((await asyncio.wait_for(r.readline(), 120)).decode("latin-1")[:9])  # commits may wait 30 s
        w.close()
    except Exception as e:
        results.append(type(e).__name__)

async def no_preamble(r, w):
    pass

async def starttls_preamble(r, w):
    await smtp_reply(r)
    for cmd in ("EHLO stall.test", "STARTTLS"):
        w.write((cmd + "\r\n").encode()); await w.drain(); await smtp_reply(r)

async def stalled_tls(port, source, stop, preamble):
    """Opens a TLS handshake (implicit, or after the preamble: STARTTLS) with the first bytes of a ClientHello and
    stalls; reconnects when closed. Returns how many times the node closed it."""
    closed = 0
    while not stop.is_set():
        try:
            r, w = await connect(port, source)
            await preamble(r, w)
            w.write(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"); await w.drain()
            await asyncio.wait_for(r.read(), 60)
            closed += 1
            w.close()
        except Exception:
            await asyncio.sleep(0.5)
    return closed

async def endless(port, source, stop):
    """One POP3 command line that never ends: 1 KB every 10 ms."""
    replies = 0
    try:
        r, w = await connect(port, source)
        await line(r)
        async def read():
            nonlocal replies
            while True:
                l = await r.readline()
                if not l:
                    return
                replies += 1
        reading = asyncio.ensure_future(read())
        while not stop.is_set():
            w.write(b"A" * 1024); await w.drain(); await asyncio.sleep(0.01)
        reading.cancel()
        w.close()
    except Exception:
        pass
    return replies

async def good_client(smtp, pop3, stop, latencies, failures):
    """Inside: one SMTP message to alice, then a POP3 login and STAT; timed end to end."""
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            r, w = await connect(smtp, "127.0.0.1")
            await smtp_reply(r)
            for cmd in ("EHLO good.test", "MAIL FROM:<g@good.test>", "RCPT TO:<alice@example.test>", "DATA"):
                w.write((cmd + "\r\n").encode()); await w.drain(); await smtp_reply(r)
            w.write(b"Subject: good\r\n\r\nhello\r\n.\r\n"); await w.drain()
            ok = (await smtp_reply(r)).startswith("250")
            w.write(b"QUIT\r\n"); w.close()
            r, w = await connect(pop3, "127.0.0.1")
            await line(r)
            w.write(b"USER alice\r\n"); await w.drain(); await line(r)
            w.write(b"PASS alice-pw\r\n"); await w.drain(); ok = ok and (await line(r)).startswith("+OK")
            w.write(b"QUIT\r\n"); await w.drain(); await line(r); w.close()
            if ok: latencies.append(time.monotonic() - t0)
            else: failures.append("refused")
        except Exception as e:
            failures.append(type(e).__name__)
        await asyncio.sleep(0.2)

async def main():
    p = argparse.ArgumentParser()
    p.add_argument("pid", type=int); p.add_argument("smtp", type=int); p.add_argument("pop3", type=int); p.add_argument("pop3s", type=int)
    p.add_argument("--seconds", type=float, default=40); p.add_argument("--half-data", type=int, default=40)
    p.add_argument("--data-mb", type=int, default=20); p.add_argument("--slow-tls", type=int, default=100)
    p.add_argument("--endless", type=int, default=50); p.add_argument("--slow-starttls", type=int, default=50)
    p.add_argument("--full-data", type=int, default=10)
    a = p.parse_args()
    base, cpu0, load0, t0 = rss_kb(a.pid), cpu_seconds(a.pid), load_average(), time.monotonic()
    stop = asyncio.Event()
    sources = [f"127.0.0.{2 + i % 253}" for i in range(1000)]
    latencies, failures = [], []
    tasks = [asyncio.ensure_future(half_data(a.smtp, sources[i], a.data_mb, stop)) for i in range(a.half_data)]
    tls_tasks = [asyncio.ensure_future(stalled_tls(a.pop3s, sources[i], stop, no_preamble)) for i in range(a.slow_tls)]
    tls_tasks += [asyncio.ensure_future(stalled_tls(a.smtp, sources[a.slow_tls + i], stop, starttls_preamble))
                  for i in range(a.slow_starttls)]
    burst = []
    tasks += [asyncio.ensure_future(full_data(a.smtp, sources[500 + i], a.data_mb, burst)) for i in range(a.full_data)]
    endless_tasks = [asyncio.ensure_future(endless(a.pop3, sources[i], stop)) for i in range(a.endless)]
    good = asyncio.ensure_future(good_client(a.smtp, a.pop3, stop, latencies, failures))
    peak, sampled = base, asyncio.Event()
    async def sample():  # until every client is done: the whole messages' commits may outlast the hostile load
        nonlocal peak
        while not sampled.is_set():
            peak = max(peak, rss_kb(a.pid)); await asyncio.sleep(0.25)
    sampler = asyncio.ensure_future(sample())
    await asyncio.sleep(a.seconds)
    stop.set()
    endless_replies = await asyncio.gather(*endless_tasks)
    tls_closed = await asyncio.gather(*tls_tasks)
    await asyncio.wait(tasks + [good], timeout=120)
    cpu, load1, elapsed = cpu_seconds(a.pid) - cpu0, load_average(), time.monotonic() - t0
    sampled.set(); await sampler
    print(f"hostile load for {a.seconds:.0f} s: {a.half_data} half-sent DATA of {a.data_mb} MB each, {a.slow_tls} stalled TLS handshakes "
          f"on pop3s and {a.slow_starttls} after STARTTLS on smtp (re-opened when closed), {a.endless} endless POP3 lines, "
          f"{a.full_data} whole {a.data_mb} MB messages at once")
    print(f"load average (1/5/15 min): {load0} at the start, {load1} at the end; node CPU {cpu:.1f} s in {elapsed:.0f} s")
    print(f"node RSS: {base/1024:.0f} MB before, peak {peak/1024:.0f} MB under load")
    print(f"stalled handshakes closed by the node: {sum(tls_closed[:a.slow_tls])} on pop3s, {sum(tls_closed[a.slow_tls:])} after STARTTLS")
    print(f"whole messages sent at once: {sum(1 for x in burst if x.startswith('250'))} stored (250), "
          f"{sum(1 for x in burst if x.startswith('451 4.3.2'))} told to retry (451 4.3.2), others {[x for x in burst if not x.startswith(('250', '451 4.3.2'))]}")
    print(f"endless lines answered with -ERR at once: {sum(1 for x in endless_replies if x)} of {a.endless}")
    if latencies:
        q = statistics.quantiles(latencies, n=20) if len(latencies) >= 2 else [latencies[0]] * 19
        print(f"good client (inside SMTP message + POP3 login): {len(latencies)} rounds served, {len(failures)} failed; "
              f"p50 {statistics.median(latencies)*1000:.0f} ms, p95 {q[18]*1000:.0f} ms, max {max(latencies)*1000:.0f} ms")
    else:
        print(f"good client: none served, {len(failures)} failed {failures[:5]}")

asyncio.run(main())
