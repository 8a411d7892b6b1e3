"""The M/M/c reference model written idiomatically in SimPy, for comparison
with labelsim (benches/mmc.rs). Poisson 80/h, 10 workers, exponential 6 min,
one task per object. Usage: python3 benches/simpy_mmc.py OBJECTS
Prints: objects, wall seconds, objects/s, events/s, peak RSS MiB, mean time to label.
"""
import random
import resource
import sys
import time

import simpy

LAMBDA = 80 / 3600.0  # per second
MEAN_SERVICE = 360.0  # seconds
WORKERS = 10


def main(objects):
    rng = random.Random(1)
    env = simpy.Environment()
    team = simpy.Resource(env, capacity=WORKERS)
    done = {"n": 0, "ttl": 0.0}

    def obj(env):
        accepted = env.now
        with team.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE))
        done["n"] += 1
        done["ttl"] += env.now - accepted

    def producer(env):
        for _ in range(objects):
            yield env.timeout(rng.expovariate(LAMBDA))
            env.process(obj(env))

    env.process(producer(env))
    start = time.perf_counter()
    env.run()
    wall = time.perf_counter() - start
    # SimPy schedules ~5 events per object here (arrival timeout, process
    # start, request grant, service timeout, release/process end).
    events = next(env._eid)  # ids of all events scheduled
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"| SimPy {objects/1e6:g}M | {done['n']} | {wall:.2f} | {done['n']/wall/1e6:.3f} M | "
          f"{events/wall/1e6:.3f} M | {peak:.1f} | {done['ttl']/done['n']:.0f} s |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
