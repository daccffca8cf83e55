#!/usr/bin/env python3
"""Peer for early_warning_bench: MISP's publish channel, a ZeroMQ PUB socket (MISP's
misp-zmq publisher is Python over pyzmq), fanning the same messages out to the same number of
subscribers. Background messages go to 1% of the subscribers (one CSIRT following everything,
as in the node benchmark); every probe goes to all of them. Prints p50/p99 of the time from
publishing a probe to its arrival at the last subscriber, and at each subscriber.

Fire-and-forget: nothing is stored, nobody is authorised, a slow subscriber loses messages
(high-water mark) — the floor under what a durable, access-checked channel can do."""
import argparse
import sys
import threading
import time

try:
    import zmq
except ImportError:
    sys.exit("python3-zmq is not installed")


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    rank = int(p * (len(values) - 1) + 0.5)
    return values[min(rank, len(values) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1200)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--probe-interval-ms", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()

    context = zmq.Context()
    context.set(zmq.MAX_SOCKETS, args.subscribers + 16)  # the default is 1,023
    publisher = context.socket(zmq.PUB)
    port = publisher.bind_to_random_port("tcp://127.0.0.1")
    subscribers = []
    poller = zmq.Poller()
    followers_of_everything = max(1, args.subscribers // 100)
    for i in range(args.subscribers):
        sub = context.socket(zmq.SUB)
        sub.connect("tcp://127.0.0.1:%d" % port)
        sub.setsockopt(zmq.SUBSCRIBE, b"probe ")
        if i < followers_of_everything:
            sub.setsockopt(zmq.SUBSCRIBE, b"other ")
        poller.register(sub, zmq.POLLIN)
        subscribers.append(sub)
    time.sleep(1.0)  # slow joiners: let every subscription reach the publisher

    arrivals = {}
    sent = {}
    stop = threading.Event()

    def receive():
        while not stop.is_set():
            for sock, _ in poller.poll(50):
                while True:
                    try:
                        message = sock.recv(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    now = time.perf_counter_ns()
                    if message.startswith(b"probe "):
                        arrivals.setdefault(message.split()[1], []).append(now)

    receiver = threading.Thread(target=receive)
    receiver.start()
    start = time.perf_counter()
    end = start + args.seconds
    background_interval = 1.0 / args.rate
    probe_interval = args.probe_interval_ms / 1000.0
    next_background = start
    next_probe = start + 1.0
    n = 0
    published = 0
    while time.perf_counter() < end:
        now = time.perf_counter()
        if now >= next_probe:
            key = b"%d" % n
            sent[key] = time.perf_counter_ns()
            publisher.send(b"probe " + key + b" " + b"x" * 600)
            n += 1
            next_probe += probe_interval
            published += 1
        elif now >= next_background:
            publisher.send(b"other " + b"x" * 600)
            next_background += background_interval
            published += 1
        else:
            time.sleep(min(next_probe, next_background) - now)
    elapsed = time.perf_counter() - start
    time.sleep(3.0)
    stop.set()
    receiver.join()

    last, each, incomplete = [], [], 0
    for key, t0 in sent.items():
        got = arrivals.get(key, [])
        each.extend((t - t0) / 1e6 for t in got)
        if len(got) < args.subscribers:
            incomplete += 1
            continue
        last.append((max(got) - t0) / 1e6)
    print("%-58s %10.1f %10.1f" % ("peer ZeroMQ PUB/SUB (MISP's channel): -> last subscriber",
                                   percentile(last, 0.5), percentile(last, 0.99)))
    print("%-58s %10.1f %10.1f" % ("peer ZeroMQ PUB/SUB: -> each subscriber",
                                   percentile(each, 0.5), percentile(each, 0.99)))
    print("peer: %d subscribers, %.0f messages/s published, %d probes, %d not received by all"
          % (args.subscribers, published / elapsed, len(sent), incomplete))
    for sub in subscribers:
        sub.close(linger=0)
    publisher.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
