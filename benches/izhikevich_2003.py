# Izhikevich (2003, IEEE TNN 14:1569) network, the paper's MATLAB program transcribed to plain Python:
# the peer that examples/izhikevich_network.rs compares its rates and rhythm with.
#   python3 benches/izhikevich_2003.py [seed]    # prints excitatory/inhibitory rates and the spectrum peak
import random, math, sys
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
rng = random.Random(seed)
Ne, Ni = 800, 200
N = Ne + Ni
re = [rng.random() for _ in range(Ne)]; ri = [rng.random() for _ in range(Ni)]
a = [0.02]*Ne + [0.02+0.08*r for r in ri]
b = [0.2]*Ne + [0.25-0.05*r for r in ri]
c = [-65+15*r*r for r in re] + [-65.0]*Ni
d = [8-6*r*r for r in re] + [2.0]*Ni
# S(post, pre); store columns per pre
S = [[(0.5*rng.random() if pre < Ne else -rng.random()) for post in range(N)] for pre in range(N)]
v = [-65.0]*N; u = [b[i]*v[i] for i in range(N)]
bins = []
count_e = count_i = 0
for t in range(1000):
    I = [5*rng.gauss(0,1) for _ in range(Ne)] + [2*rng.gauss(0,1) for _ in range(Ni)]
    fired = [i for i in range(N) if v[i] >= 30]
    bins.append(len(fired))
    for i in fired:
        if i < Ne: count_e += 1
        else: count_i += 1
        v[i] = c[i]; u[i] += d[i]
    for pre in fired:
        col = S[pre]
        for post in range(N): I[post] += col[post]
    for i in range(N):
        vi = v[i]
        vi += 0.5*(0.04*vi*vi+5*vi+140-u[i]+I[i])
        vi += 0.5*(0.04*vi*vi+5*vi+140-u[i]+I[i])
        u[i] += a[i]*(b[i]*vi-u[i])
        v[i] = vi
mean = sum(bins)/1000
spec = []
for f in range(1, 101):
    re_ = sum((x-mean)*math.cos(2*math.pi*f*t/1000) for t, x in enumerate(bins))
    im_ = sum((x-mean)*math.sin(2*math.pi*f*t/1000) for t, x in enumerate(bins))
    spec.append((f, re_*re_+im_*im_))
tot = sum(p for _, p in spec)
peak = max((s for s in spec if s[0] >= 2), key=lambda s: s[1])[0]
alpha = sum(p for f, p in spec if 8 <= f <= 13)/tot
gamma = sum(p for f, p in spec if 30 <= f <= 50)/tot
print(f"seed {seed}: exc {count_e/Ne:.1f} Hz inh {count_i/Ni:.1f} Hz peak {peak} Hz alpha {100*alpha:.0f}% gamma {100*gamma:.0f}%")
