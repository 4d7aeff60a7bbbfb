"""    python -m bench.atlas_codec RUN_DIR [RUN_DIR ...] [--bits 4,5,6,8,10] [--out outputs/bench_atlas_codec]
    python -m bench.atlas_codec --fit CLIP --minutes M [--scale S] [--sizes 12,14,16] [--bits 4,6,8] [--out ...]
    python -m bench.atlas_codec --length CLIP --minutes M [--scale S] [--lengths 10,20,30] [--config compact] [--out ...]
    python -m bench.atlas_codec --compare RD_CSV [RD_CSV ...]

Benchmark: the fitted layered atlas as a compressed file (.npra). It backs nbs/21_atlas_codec.ipynb ("Rate and
distortion"; "Table sizes, the `compact` configuration, and clip length"). Run it from the repository root.

RUN_DIR mode measures fitted runs (`npr fit` output folders): each is written at every bit depth, decoded from the
file alone, rendered at the clip's size and measured with npr_lib.codec.rd_metrics. The rows go to OUT/rd.csv with
the columns of the classic codecs' rd.csv (npr_lib.codec.RD_FIELDS), so both can be plotted and BD-compared together;
the setting is b<bits>-<config name>, or b<bits>-<run folder name> when several runs are given. encode_fps counts
the run's fitting time (metrics.json) as well as writing the file.

--fit fits `compact`, and `fast` with every hash table capped at 2^s entries for each s of --sizes, to one clip under
the same budget (--minutes, or --steps for a quick look); run folders go to OUT/runs/<label> (kept, resumable, and
editable with `npr edit`), the rows to OUT/rd.csv. The fits use no optical flow (the flow losses are off).

--length fits the first n frames for each n of --lengths with one configuration and budget and writes
OUT/rate_vs_length.csv (frames, then the rd.csv columns): how the file grows with the number of frames its atlas
serves. Fitting is the expensive part: minutes per variant; on a 2-core CPU, --scale 0.25 and --minutes 2 give a
rough curve in about ten minutes per mode.

--compare reads rd.csv files holding atlas rows and classic rows (`npr codec CLIP --codecs x264,x265,atlas --run RUN`,
or classic and atlas rd.csv files given together) and prints, per file set, BD-rates of the atlas against x264 and
x265 (None where the curves do not overlap) and, per atlas point, the rate x264 and x265 need for the same WS-PSNR-Y
(`npr_lib.codec.equal_quality_rates`): where, if anywhere, the atlas matches them. Nothing is fitted or encoded.
"""
import argparse, csv, io
from pathlib import Path
from npr_lib.atlas_codec import atlas_rd, fit_rd, rd_variants, rate_vs_length
from npr_lib.clip import open_clip
from npr_lib.config import resolve_device
from npr_lib.files import atomic_write_text

def write_csv(rows, path, columns):
    "Rows as CSV (floats to 6 significant digits, as rd.csv), written atomically."
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction='ignore', lineterminator='\n')
    w.writeheader()
    for r in rows: w.writerow({k: f'{v:.6g}' if isinstance(v, float) else v for k, v in r.items()})
    atomic_write_text(path, buf.getvalue())
    return Path(path)

def ints(s): return tuple(int(x) for x in str(s).split(',') if x.strip())

def show(rows):
    for r in rows:
        lead = f"{r['frames']:3d} frames " if 'frames' in r else ''
        print(f"{lead}{r['setting']:>14s} {r['bytes']:10d} B {r['bpp']:8.4f} bpp {r['kbps']:9.1f} kbps  "
              f"WS-PSNR-Y {r['ws_psnr_y']:6.2f} dB  PSNR-Y {r['psnr_y']:6.2f} dB  decode {r['decode_fps']:6.2f} fps", flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('runs', nargs='*', metavar='RUN_DIR', help='fitted run folders to measure')
    ap.add_argument('--fit', metavar='CLIP', help="fit the size variants to this clip (folder, video or 'synthetic')")
    ap.add_argument('--length', metavar='CLIP', help='fit the first n frames of this clip for each n of --lengths')
    ap.add_argument('--bits', default=None, help='bit depths (default 4,5,6,8,10 for runs, 4,6,8 with --fit, 8 with --length)')
    ap.add_argument('--sizes', default='12,14,16', help='log2 table sizes of the fast variants (--fit)')
    ap.add_argument('--lengths', default='10,20,30', help='frame counts (--length)')
    ap.add_argument('--config', default='compact', help='configuration (--length)')
    ap.add_argument('--minutes', type=float, default=None, help='fitting budget per fit')
    ap.add_argument('--steps', type=int, default=None, help='or a step budget per fit')
    ap.add_argument('--scale', type=float, default=0.5, help='clip downscale factor (--fit, --length)')
    ap.add_argument('--frames', default=None, help='frame selection of the clip (--fit; --length takes the first max(lengths))')
    ap.add_argument('--compare', nargs='+', metavar='RD_CSV', help='rd.csv files (atlas and classic rows) to compare, read together')
    ap.add_argument('--device', default='auto', help="where to fit, decode and render: 'auto', 'cpu', 'cuda'")
    ap.add_argument('--out', default='outputs/bench_atlas_codec')
    a = ap.parse_args()
    if sum([bool(a.runs), a.fit is not None, a.length is not None, a.compare is not None]) != 1:
        ap.error('give run folders, or --fit CLIP, or --length CLIP, or --compare RD_CSV (exactly one of them)')
    if a.compare:
        from npr_lib.codec import bd_table, equal_quality_rates
        rows = []
        for f in a.compare:
            for r in csv.DictReader(open(f)):
                rows.append({k: (v if k in ('codec', 'setting') else float(v)) for k, v in r.items() if v != ''})
        for r in rows:   # one atlas curve per run or configuration: 'atlas-<label>' from settings 'b<bits>-<label>'
            if r['codec'] == 'atlas' and '-' in r['setting']: r['codec'] = 'atlas-' + r['setting'].split('-', 1)[1]
        curves = list(dict.fromkeys(r['codec'] for r in rows if r['codec'].startswith('atlas')))
        f = lambda v, u='': '—' if v is None else f'{v:+.1f}{u}' if u == ' %' else f'{v:.1f}{u}'
        anchors = [c for c in ('x264', 'x265') if any(r['codec'] == c for r in rows)]
        for anchor in anchors:
            for name, v in bd_table([r for r in rows if r['codec'] in [anchor] + curves], anchor).items():
                ov = v['overlap_ws_psnr_y']
                print(f"{name} against {anchor}: BD-rate {f(v['bd_rate_ws_psnr_y'], ' %')} (WS-PSNR-Y), {f(v['bd_rate_psnr_y'], ' %')} (PSNR-Y); "
                      f"overlap {'—' if ov is None else f'{ov:.2f}'}")
        print('\n| atlas point | kbps | WS-PSNR-Y | ' + ' | '.join(f'{c} kbps at that quality | ratio' for c in anchors) + ' |')
        print('|' + '---|'*(3 + 2*len(anchors)))
        for c in curves:
            eqs = [equal_quality_rates(rows, c, a) for a in anchors]
            for i, e in enumerate(eqs[0]):
                cells = [f"{f(q[i]['anchor_kbps'])} | {f(q[i]['ratio'], '×') if q[i]['ratio'] else '—'}" for q in eqs]
                print(f"| {c} {e['setting'].split('-')[0]} | {e['kbps']:.0f} | {e['quality']:.2f} | " + ' | '.join(cells) + ' |')
        raise SystemExit(0)
    if (a.fit or a.length) and a.minutes is None and a.steps is None: ap.error('--fit and --length need a budget: --minutes or --steps')
    from npr_lib.codec import RD_FIELDS
    out, dev = Path(a.out), str(resolve_device(a.device))
    if a.runs:
        rows = []
        for r in a.runs:
            rows += atlas_rd(r, ints(a.bits or '4,5,6,8,10'), label=Path(r).name if len(a.runs) > 1 else None, out_dir=out/'files', device=dev)
            show(rows[-len(ints(a.bits or '4,5,6,8,10')):])
        print(f"wrote {write_csv(rows, out/'rd.csv', RD_FIELDS)}")
    elif a.fit:
        clip = open_clip(a.fit, scale=a.scale, frames=a.frames)
        print(f"{clip}; variants: {', '.join(rd_variants(ints(a.sizes)))}", flush=True)
        rows = fit_rd(clip, out/'runs', rd_variants(ints(a.sizes)), ints(a.bits or '4,6,8'), minutes=a.minutes, steps=a.steps,
                      device=dev, progress=True)
        show(rows)
        print(f"wrote {write_csv(rows, out/'rd.csv', RD_FIELDS)}")
    else:
        lengths = ints(a.lengths)
        clip = open_clip(a.length, scale=a.scale, frames=str(max(lengths)))
        print(f"{clip}; {a.config}, first {', '.join(map(str, lengths))} frames", flush=True)
        rows = rate_vs_length(clip, out/'length', lengths, config=a.config, bits=ints(a.bits or '8')[0], minutes=a.minutes,
                              steps=a.steps, device=dev)
        show(rows)
        print(f"wrote {write_csv(rows, out/'rate_vs_length.csv', ('frames',) + tuple(RD_FIELDS))}")
