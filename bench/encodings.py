"""    python -m bench.encodings [--variants] [--lookups] [--sizes 14 16] [--reps 5] [--threads N] [--device auto]

Forward+backward timings of the encodings. They back the speed claims of nbs/08_encodings.ipynb (the hash grid
against the paper's positional-encoding MLP, the lookup path chosen, the naive per-level grid). Run from the
repository root:

    python -m bench.encodings                  # the table, CPU (and CUDA when present)
    python -m bench.encodings --variants       # plus the design alternatives (fused or PyTorch lookup, naive grid, input grads)
    python -m bench.encodings --lookups --sizes  # the table lookup alternatives alone
    python -m bench.encodings --threads 1 --sizes 14 16 --reps 5 --no-malloc-tune

Each row times one training step's worth of work, `loss = out.square().mean(); loss.backward()`, on points on the
unit sphere (3-D) or on the sphere × [-1, 1] (4-D), mapped to [0, 1]. Times are the median of `--reps` runs in
milliseconds (min in parentheses); "vs paper" is how many times faster than the paper's Frequency(L=10) + 8×256
MLP on the same inputs.
"""
import argparse, math, statistics, sys, time

import torch
import torch.nn as nn

from npr_lib.encodings import (HashGrid, Frequency, MLP, grid_levels, make_encoding, tcnn_available, tune_cpu_malloc,
                               HASHGRID_CONFIG, _PRIMES)


class NaiveHashGrid(nn.Module):
    "The usual pure-PyTorch hash grid, for reference: a loop over levels, (B, 2^d) corners, int64, one nn.Embedding per level."
    def __init__(self, d, n_levels=16, n_features=2, log2_hashmap_size=15, base_resolution=16, per_level_scale=1.5):
        super().__init__()
        self.d, self.levels, self.mask = d, grid_levels(d, n_levels, log2_hashmap_size, base_resolution, per_level_scale), (1 << log2_hashmap_size) - 1
        self.embs = nn.ModuleList(nn.Embedding(s, n_features) for s in self.levels.sizes)
        for e in self.embs: nn.init.uniform_(e.weight, -1e-4, 1e-4)
        self.register_buffer("corners", (torch.arange(2**d)[:, None] >> torch.arange(d)) & 1)

    def forward(self, x):
        outs = []
        for l, emb in enumerate(self.embs):
            pos = x * self.levels.scales[l] + 0.5
            cell = pos.detach().floor()
            frac = pos - cell
            c = cell.long()[:, None, :] + self.corners                     # (B, 2^d, d)
            if self.levels.dense[l]:
                r = self.levels.resolutions[l]
                idx = (c * r ** torch.arange(self.d, device=x.device)).sum(-1) % self.levels.sizes[l]
            else:
                idx = c[..., 0] * _PRIMES[0]
                for i in range(1, self.d): idx = idx ^ (c[..., i] * _PRIMES[i])
                idx = idx & self.mask
            w = torch.where(self.corners.bool(), frac[:, None, :], 1 - frac[:, None, :]).prod(-1)
            outs.append((emb(idx) * w[..., None]).sum(1))
        return torch.cat(outs, -1)


def points(d, n, device):
    "Unit vectors (and times) mapped to [0, 1]^d."
    g = torch.Generator().manual_seed(0)
    v = torch.nn.functional.normalize(torch.randn(n, 3, generator=g), dim=-1)
    if d == 4: v = torch.cat([v, torch.rand(n, 1, generator=g) * 2 - 1], -1)
    return ((v + 1) / 2).to(device)


def time_step(model, x, reps, input_grad=False):
    "Median and min milliseconds of forward + backward."
    dev = x.device
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    def step():
        for p in model.parameters(): p.grad = None
        xi = x.detach().requires_grad_(input_grad)
        model(xi).float().square().mean().backward()
    step(); step()
    ts = []
    for _ in range(reps):
        sync(); t = time.perf_counter(); step(); sync()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts), min(ts)


def rows(device, variants):
    "(name, d, builder, input_grad, is_paper) of the benchmark rows."
    hg = lambda d, t: (lambda: HashGrid(d, log2_hashmap_size=t, device=device))
    enc_mlp = lambda d, t, h, n: (lambda: nn.Sequential(make_encoding(d, {**HASHGRID_CONFIG, "log2_hashmap_size": t}, backend="auto", device=device),
                                                        MLP(32, 3, h, n)).to(device))
    paper = lambda d: (lambda: nn.Sequential(Frequency(d, 10), MLP(d * 20, 3, 256, 8)).to(device))
    out = []
    for d in (3, 4):
        for t in (15, 19): out.append((f"HashGrid {d}-D, T=2^{t}", d, hg(d, t), False, False))
        out.append((f"HashGrid {d}-D T=2^15 + MLP 2×64", d, enc_mlp(d, 15, 64, 2), False, False))
        out.append((f"HashGrid {d}-D T=2^19 + MLP 2×64", d, enc_mlp(d, 19, 64, 2), False, False))
        out.append((f"Frequency L=10 {d}-D + MLP 8×256 (paper)", d, paper(d), False, True))
        if variants:
            def forced(d=d, mode="real"):
                m = HashGrid(d, device=device); m.gather_mode = mode; return m
            out.append((f"  variant: HashGrid {d}-D T=2^15, PyTorch complex lookup (no numba)", d, lambda d=d: forced(d, "complex"), False, False))
            out.append((f"  variant: HashGrid {d}-D T=2^15, PyTorch real 2-D rows lookup", d, forced, False, False))
            out.append((f"  variant: HashGrid {d}-D T=2^15, + input grads", d, hg(d, 15), True, False))
            out.append((f"  variant: naive per-level nn.Embedding {d}-D T=2^15", d, lambda d=d: NaiveHashGrid(d).to(device), False, False))
            if device.type == "cuda" and tcnn_available():
                out.append((f"  variant: tinycudann HashGrid {d}-D T=2^15", d,
                            lambda d=d: make_encoding(d, HASHGRID_CONFIG, backend="tcnn", device=device), False, False))
    return out


def lookups(reps):
    "Times of the table lookup alternatives alone: 16 levels × 8 corners × 2^16 points, T=2^15, 2 features."
    import torch.nn.functional as F
    L, C, B, T = 16, 8, 1 << 16, 1 << 15
    N, M = L * T, L * C * B
    g = torch.Generator().manual_seed(0)
    lvl_major = (torch.randint(0, T, (L, C, B), generator=g) + torch.arange(L)[:, None, None] * T).view(-1)
    batch_major = lvl_major.view(L, C, B).permute(2, 0, 1).reshape(-1)
    table = torch.randn(N, 2, generator=g)
    rows = torch.randn(M, 2, generator=g)
    def ms(f):
        f(); ts = []
        for _ in range(reps):
            t = time.perf_counter(); f(); ts.append((time.perf_counter() - t) * 1e3)
        return statistics.median(ts)
    cplx = lambda t: torch.view_as_complex(t)
    print(f"\n### lookups alone, {M / 1e6:.1f}M rows, CPU {torch.get_num_threads()} threads — ms median\n")
    print("| operation | level-major int32 | level-major int64 | batch-major int64 |\n|---|---|---|---|")
    ops = {
        "gather: complex64 1-D index_select": lambda i: cplx(table).index_select(0, i),
        "gather: 2-D rows index_select": lambda i: table.index_select(0, i),
        "gather: F.embedding": lambda i: F.embedding(i.long(), table),
        "gather: table[idx]": lambda i: table[i.long()],
        "scatter: complex64 1-D index_add_": lambda i: torch.zeros(N, dtype=torch.complex64).index_add_(0, i, cplx(rows)),
        "scatter: 2-D rows index_add_": lambda i: torch.zeros(N, 2).index_add_(0, i, rows),
        "scatter: index_put_(accumulate=True)": lambda i: torch.zeros(N, 2).index_put_((i.long(),), rows, accumulate=True),
    }
    for name, op in ops.items():
        print(f"| {name} | {ms(lambda: op(lvl_major.int())):.1f} | {ms(lambda: op(lvl_major)):.1f} | {ms(lambda: op(batch_major)):.1f} |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[14, 16], help="log2 of the batch sizes (none: skip the table)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CPU, then CUDA when present")
    ap.add_argument("--variants", action="store_true", help="also time the design alternatives")
    ap.add_argument("--lookups", action="store_true", help="also time the table lookup alternatives alone (CPU)")
    ap.add_argument("--no-malloc-tune", action="store_true", help="leave glibc's allocator at its defaults")
    args = ap.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    tuned = False if args.no_malloc_tune else tune_cpu_malloc()
    devices = [torch.device("cpu")] if args.device in ("auto", "cpu") else []
    if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()): devices.append(torch.device("cuda"))
    if args.lookups: lookups(args.reps)
    for device in devices if args.sizes else []:
        what = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads, malloc tuned: {tuned}"
        print(f"\n### {what} — forward+backward, ms median (min), torch {torch.__version__}\n")
        sizes = [1 << s for s in args.sizes]
        head = "| encoding | " + " | ".join(f"2^{int(math.log2(n))} pts" for n in sizes) + " | " + " | ".join(f"vs paper @2^{int(math.log2(n))}" for n in sizes) + " |"
        print(head); print("|" + "---|" * (1 + 2 * len(sizes)))
        table, paper_ms = [], {}
        for name, d, build, input_grad, is_paper in rows(device, args.variants):
            torch.manual_seed(0)
            model = build()
            res = [time_step(model, points(d, n, device), args.reps, input_grad) for n in sizes]
            if is_paper: paper_ms[d] = [m for m, _ in res]
            table.append((name, d, res))
            del model
        for name, d, res in table:
            ratios = [f"{paper_ms[d][i] / m:.1f}×" if d in paper_ms else "" for i, (m, _) in enumerate(res)]
            print(f"| {name} | " + " | ".join(f"{m:.1f} ({mn:.1f})" for m, mn in res) + " | " + " | ".join(ratios) + " |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
